import { writeFile, rm } from 'node:fs/promises';
import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import type { GitFixture } from '../helpers/git-fixture.js';
import {
  bearer,
  captureLogger,
  replaceFile,
  Sandbox,
  STANDARD_TOKENS,
  tokenFileText,
  TOKENS,
  waitFor,
  type TokenLine,
} from './access-helpers.js';

const NEW_TOKEN = 'orders-token-rotated-91b';
/** The policy after rotation: the orders token is replaced, billing and ops stay. */
const ROTATED: TokenLine[] = [
  { name: 'orders-service-2', token: NEW_TOKEN, services: ['orders', 'orders-*'] },
  ...STANDARD_TOKENS.filter((t) => t.name !== 'orders-service'),
];

describe('Token rotation', () => {
  let sb: Sandbox;
  let repo: GitFixture;
  let server: HotconfServer;
  let tokensFile: string;
  let log: ReturnType<typeof captureLogger>;
  const status = async (path: string, token: string) =>
    (await fetch(`${server.url}${path}`, { headers: bearer(token) })).status;

  beforeEach(async () => {
    sb = new Sandbox();
    repo = await sb.repo();
    tokensFile = await sb.tokenFile();
    log = captureLogger();
    server = await sb.server(repo, { tokensFile, logger: log.logger });
  });
  afterEach(() => sb.dispose());

  for (const [how, write] of [
    ['edited in place', (file: string, text: string) => writeFile(file, text)],
    ['replaced by rename, as editors save', replaceFile],
  ] as const) {
    it(`takes a new token and revokes the old one when the file is ${how}, closing only revoked sockets (4401)`, async () => {
      const revoked = sb.socket(server, bearer(TOKENS.orders));
      const kept = sb.socket(server, bearer(TOKENS.billing));
      await Promise.all([revoked.opened(), kept.opened()]);
      revoked.send({
        type: 'subscribe',
        id: 'o',
        service: 'orders',
        profiles: ['dev'],
        etag: null,
      });
      kept.send({
        type: 'subscribe',
        id: 'b',
        service: 'billing',
        profiles: ['default'],
        etag: null,
      });
      await revoked.next((f) => f.id === 'o' && f.type === 'snapshot');
      await kept.next((f) => f.id === 'b' && f.type === 'snapshot');
      expect(await status('/v1/config/orders/dev', NEW_TOKEN)).to.equal(401);

      await write(tokensFile, tokenFileText(ROTATED));
      await waitFor(
        async () => (await status('/v1/config/orders/dev', NEW_TOKEN)) === 200,
        'the new token to work',
      );

      expect(await status('/v1/config/orders/dev', TOKENS.orders)).to.equal(401);
      expect(await revoked.closedWith()).to.deep.equal({ code: 4401, reason: 'token revoked' });
      // The socket whose token stays valid is still open and still gets changes.
      await repo.commit({ 'billing.yml': 'currency: USD\n' }, 'switch currency');
      const change = await kept.next((f) => f.id === 'b' && f.type === 'change');
      expect(change.config).to.deep.equal({ shared: { region: 'eu' }, currency: 'USD' });
      expect(kept.closed).to.equal(undefined);
      expect(log.text()).to.include('"msg":"access: token file reloaded"');
    });
  }

  it('keeps the previous policy when the new file is invalid, and logs why without path or token', async () => {
    const ws = sb.socket(server, bearer(TOKENS.orders));
    await ws.opened();
    const broken = tokenFileText(ROTATED).replace(/sha256: [0-9a-f]{64}/, `sha256: ${NEW_TOKEN}`);
    await writeFile(tokensFile, broken);
    await waitFor(
      () => log.text().includes('token file change ignored'),
      'the rejection to be logged',
    );
    const line = JSON.parse(
      log.lines.find((l) => l.includes('token file change ignored')) as string,
    ) as { level: number; reason: string };
    expect(line.level).to.equal(50);
    expect(line.reason).to.equal(
      'the token file is invalid: tokens[0].sha256 must be 64 hex digits (the SHA-256 of the token, not the token)',
    );
    expect(log.text()).not.to.include(tokensFile);
    expect(log.text()).not.to.include(NEW_TOKEN);
    expect(await status('/v1/config/orders/dev', TOKENS.orders)).to.equal(200);
    expect(await status('/v1/config/orders/dev', NEW_TOKEN)).to.equal(401);

    await writeFile(tokensFile, 'tokens: [\n');
    await waitFor(() => log.text().includes('not valid YAML'), 'the YAML error to be logged');
    expect(await status('/v1/config/orders/dev', TOKENS.orders)).to.equal(200);
    expect(ws.closed).to.equal(undefined);

    // A fixed file is taken as usual.
    await writeFile(tokensFile, tokenFileText(ROTATED));
    await waitFor(
      async () => (await status('/v1/config/orders/dev', NEW_TOKEN)) === 200,
      'the fixed file to load',
    );
    expect((await ws.closedWith()).code).to.equal(4401);
  });

  it('keeps the previous policy when the file is deleted — never open mode', async () => {
    await rm(tokensFile);
    await waitFor(
      () => log.text().includes('the token file was removed'),
      'the removal to be logged',
    );
    expect(await status('/v1/config/orders/dev', TOKENS.orders)).to.equal(200);
    expect((await fetch(`${server.url}/v1/config/orders/dev`)).status).to.equal(401);
    await writeFile(tokensFile, tokenFileText(ROTATED));
    await waitFor(
      async () => (await status('/v1/config/orders/dev', NEW_TOKEN)) === 200,
      'the restored file to load',
    );
  });

  it('keeps a socket whose token lost one service open, ending only that subscription', async () => {
    const ws = sb.socket(server, bearer(TOKENS.orders));
    await ws.opened();
    ws.send({
      type: 'subscribe',
      id: 'audit',
      service: 'orders-audit',
      profiles: ['default'],
      etag: null,
    });
    ws.send({ type: 'subscribe', id: 'main', service: 'orders', profiles: ['dev'], etag: null });
    await ws.next((f) => f.id === 'audit' && f.type === 'snapshot');
    await ws.next((f) => f.id === 'main' && f.type === 'snapshot');
    const narrowed = STANDARD_TOKENS.map((t) =>
      t.name === 'orders-service' ? { ...t, services: ['orders'] } : t,
    );
    await writeFile(tokensFile, tokenFileText(narrowed));
    expect(await ws.next((f) => f.id === 'audit')).to.deep.equal({
      type: 'error',
      id: 'audit',
      code: 'HC_FORBIDDEN',
      message: 'this token may no longer read service orders-audit',
    });
    expect(await status('/v1/config/orders-audit/default', TOKENS.orders)).to.equal(403);
    await repo.commit({ 'orders.yml': 'db:\n  host: orders-db-2\n  pool: 5\n' }, 'move db');
    const change = await ws.next((f) => f.id === 'main' && f.type === 'change');
    expect(change.changedKeys).to.deep.equal(['db.host']);
    expect(ws.closed).to.equal(undefined);
  });
});
