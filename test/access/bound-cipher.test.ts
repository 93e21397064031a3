import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { decryptValue, encryptValue } from '../../server/src/secrets/cipher-value.js';
import { runHotconf } from '../helpers/cli.js';
import type { GitFixture } from '../helpers/git-fixture.js';
import { bearer, Sandbox, TEST_KEY, TOKENS, waitFor } from './access-helpers.js';
import { cli, KEY, PLAIN } from './secrets-helpers.js';

type Problem = { file: string; path: string; line?: number; message: string };

describe('Secrets bound to a service (DESIGN §7)', () => {
  let sb: Sandbox;
  let repo: GitFixture;
  let server: HotconfServer;
  const billingValue = encryptValue(KEY, PLAIN, 'billing');

  beforeEach(async () => {
    sb = new Sandbox();
    repo = await sb.repo({
      'application.yml': `shared:\n  token: '${encryptValue(KEY, 'shared-secret')}'\n`,
      'orders.yml': 'db:\n  host: orders-db\n',
      'billing.yml': `db:\n  password: '${billingValue}'\n`,
    });
    server = await sb.server(repo, { tokensFile: await sb.tokenFile(), encryptKey: TEST_KEY });
  });
  afterEach(() => sb.dispose());

  const get = async (path: string, token: string) => {
    const res = await fetch(`${server.url}${path}`, { headers: bearer(token) });
    return { status: res.status, text: await res.text() };
  };

  /** The rejection of a document at `commit`, once /v1/status shows it. */
  async function rejection(service: string, profile: string, commit: string): Promise<Problem[]> {
    let problems: Problem[] = [];
    await waitFor(async () => {
      const status = JSON.parse((await get('/v1/status', TOKENS.ops)).text) as {
        documents: {
          service: string;
          profiles: string[];
          rejection: { commit: string; problems: Problem[] } | null;
        }[];
      };
      const doc = status.documents.find(
        (d) => d.service === service && d.profiles.join() === profile,
      );
      problems = doc?.rejection?.commit === commit ? doc.rejection.problems : [];
      return problems.length > 0;
    }, `the rejection of ${service}/${profile}`);
    return problems;
  }

  it('decrypts a bound value in its own service and an unbound shared one everywhere', async () => {
    const billing = JSON.parse((await get('/v1/config/billing/default', TOKENS.billing)).text);
    expect(billing.config).to.deep.equal({
      db: { password: PLAIN },
      shared: { token: 'shared-secret' },
    });
    const orders = JSON.parse((await get('/v1/config/orders/default', TOKENS.orders)).text);
    expect(orders.config.shared).to.deep.equal({ token: 'shared-secret' });
  });

  it("rejects billing's value copied into orders-prod.yml, naming file, line and key, not the secret", async () => {
    const bad = await repo.commit(
      { 'orders-prod.yml': `db:\n  password: '${billingValue}'\n` },
      'copy billing password',
    );
    await fetch(`${server.url}/v1/refresh`, { method: 'POST', headers: bearer(TOKENS.ops) });
    expect(await rejection('orders', 'prod', bad)).to.deep.equal([
      {
        file: 'orders-prod.yml',
        path: '/db/password',
        line: 2,
        message:
          "`db.password` could not be decrypted: the {cipher} value is encrypted for service billing and decrypts only in billing's documents, not in orders's (orders-prod.yml line 2)",
      },
    ]);
    const res = await get('/v1/config/orders/prod', TOKENS.orders);
    expect(res.status).to.equal(503);
    expect(res.text).not.to.include(PLAIN);
    expect((await get('/orders/prod', TOKENS.orders)).text).not.to.include(PLAIN);
  });

  it('rejects a bound value relabelled for another service: the name is authenticated', async () => {
    const relabelled = billingValue.replace('{service:billing}', '{service:orders}');
    const bad = await repo.commit(
      { 'orders.yml': `db:\n  password: '${relabelled}'\n` },
      'relabel billing password',
    );
    await fetch(`${server.url}/v1/refresh`, { method: 'POST', headers: bearer(TOKENS.ops) });
    const [problem] = await rejection('orders', 'default', bad);
    expect(problem?.message).to.equal(
      '`db.password` could not be decrypted: the {cipher} value was altered or encrypted under another key (orders.yml line 2)',
    );
    // Stripping the prefix makes it an unbound value, which the binding also refuses.
    const stripped = billingValue.replace('{service:billing}', '');
    const bad2 = await repo.commit(
      { 'orders.yml': `db:\n  password: '${stripped}'\n` },
      'strip the binding',
    );
    await fetch(`${server.url}/v1/refresh`, { method: 'POST', headers: bearer(TOKENS.ops) });
    const [problem2] = await rejection('orders', 'default', bad2);
    expect(problem2?.message).to.equal(
      '`db.password` could not be decrypted: the {cipher} value was altered or encrypted under another key (orders.yml line 2)',
    );
  });

  it('binds values from POST /v1/encrypt {"service"} and hotconf encrypt --service', async () => {
    const res = await fetch(`${server.url}/v1/encrypt`, {
      method: 'POST',
      headers: { ...bearer(TOKENS.ops), 'Content-Type': 'application/json' },
      body: JSON.stringify({ value: PLAIN, service: 'orders' }),
    });
    expect(res.status).to.equal(200);
    const { value } = (await res.json()) as { value: string };
    expect(value).to.match(/^\{cipher\}\{service:orders\}[A-Za-z0-9+/]+=*$/);
    const body = value.slice('{cipher}{service:orders}'.length);
    expect(decryptValue(KEY, body, 'orders')).to.equal(PLAIN);
    expect(() => decryptValue(KEY, body)).to.throw('was altered or encrypted under another key');

    const bad = await fetch(`${server.url}/v1/encrypt`, {
      method: 'POST',
      headers: { ...bearer(TOKENS.ops), 'Content-Type': 'application/json' },
      body: JSON.stringify({ value: PLAIN, service: 'Not A Name' }),
    });
    expect(bad.status).to.equal(400);
    expect(await bad.json()).to.deep.equal({
      error: { code: 'HC_INVALID_NAME', message: 'service is not a valid service name' },
    });

    const out = await cli(['--service', 'billing', PLAIN], TEST_KEY);
    expect(out.code).to.equal(0);
    expect(out.stdout).to.match(/^\{cipher\}\{service:billing\}[A-Za-z0-9+/]+=*\n$/);
    const cliBody = out.stdout.trim().slice('{cipher}{service:billing}'.length);
    expect(decryptValue(KEY, cliBody, 'billing')).to.equal(PLAIN);
    const wrong = await cli(['--service', '../x', PLAIN], TEST_KEY);
    expect([wrong.code, wrong.stderr]).to.deep.equal([
      2,
      'hotconf encrypt: --service "../x" is not a valid service name\n',
    ]);
  });

  it('is refused the same way by hotconf validate, offline', async () => {
    await repo.write({ 'orders-prod.yml': `db:\n  password: '${billingValue}'\n` });
    const result = await runHotconf(['validate', repo.dir], {
      env: { HOTCONF_ENCRYPT_KEY: TEST_KEY },
    });
    expect(result).to.deep.equal({
      code: 1,
      stdout:
        "orders [prod]: `db.password` could not be decrypted: the {cipher} value is encrypted for service billing and decrypts only in billing's documents, not in orders's (orders-prod.yml line 2)\n",
      stderr: '2 of 3 documents valid in the working tree; no schema for billing, orders\n',
    });
  });
});
