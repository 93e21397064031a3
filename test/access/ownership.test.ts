import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import type { GitFixture } from '../helpers/git-fixture.js';
import { encryptValue } from '../../server/src/secrets/cipher-value.js';
import { bearer, Sandbox, TEST_KEY, type TokenLine } from './access-helpers.js';
import { KEY, PLAIN } from './secrets-helpers.js';
import { pollUntil } from '../helpers/wait-for.js';

/** Issue 13 item 1's repository: orders-admin is a service of its own (it has a schema). */
const FILES = {
  'application.yml': 'shared:\n  region: eu\n',
  'orders.yml': 'db:\n  host: orders-db\n',
  'orders-admin.yml': `admin:\n  password: '${encryptValue(KEY, PLAIN)}'\n`,
  'schemas/orders.schema.json': '{"type": "object"}',
  'schemas/orders-admin.schema.json': '{"type": "object"}',
};

const ORDERS = 'orders-only-token-5c1e';
const ADMIN = 'orders-admin-only-token-90aa';
const OPS = 'ops-token-11ab';
const POLICY: TokenLine[] = [
  { name: 'orders', token: ORDERS, services: ['orders'] },
  { name: 'orders-admin', token: ADMIN, services: ['orders-admin'] },
  { name: 'ops', token: OPS, admin: true },
];

describe('Access: who owns a file (DESIGN §7)', () => {
  let sb: Sandbox;
  let server: HotconfServer;
  beforeEach(() => (sb = new Sandbox()));
  afterEach(() => sb.dispose());

  const get = async (path: string, token: string) => {
    const res = await fetch(`${server.url}${path}`, { headers: bearer(token) });
    return { status: res.status, text: await res.text() };
  };

  describe('with schemas for orders and orders-admin', () => {
    beforeEach(async () => {
      const repo = await sb.repo(FILES);
      server = await sb.server(repo, {
        tokensFile: await sb.tokenFile(POLICY),
        encryptKey: TEST_KEY,
      });
    });

    it("refuses the orders token orders-admin's document on every Spring and native path", async () => {
      const refused = [
        '/v1/config/orders-admin/default',
        '/orders-admin/default',
        '/orders-admin.yml',
        '/orders-admin.yaml',
        '/orders-admin.json',
        '/orders-admin.properties',
        '/main/orders-admin.yml',
        '/main/orders-admin.properties',
        '/v1/history/orders-admin/default',
        '/v1/diff/orders-admin/default?from=main&to=main',
      ];
      for (const path of refused) {
        // Twice: the second read of a published document takes the fast path.
        for (let i = 0; i < 2; i++) {
          const res = await get(path, ORDERS);
          expect(res.status, path).to.equal(403);
          expect(res.text, path).not.to.include(PLAIN);
        }
      }
    });

    it('serves orders profile admin without orders-admin.yml, so without its password', async () => {
      for (const path of ['/v1/config/orders/admin', '/orders/admin', '/orders-admin/default']) {
        for (let i = 0; i < 2; i++) {
          const res = await get(path, path === '/orders-admin/default' ? ADMIN : ORDERS);
          expect(res.status, path).to.equal(200);
          if (path !== '/orders-admin/default') expect(res.text, path).not.to.include(PLAIN);
          else expect(res.text).to.include(PLAIN);
        }
      }
      const doc = JSON.parse((await get('/v1/config/orders/admin', ORDERS)).text) as {
        sources: string[];
        config: unknown;
      };
      expect(doc.sources).to.deep.equal(['orders.yml', 'application.yml']);
      expect(doc.config).to.deep.equal({ db: { host: 'orders-db' }, shared: { region: 'eu' } });
    });

    it('lists orders without an admin profile, and only what the token may read', async () => {
      const list = JSON.parse((await get('/v1/services', ORDERS)).text) as {
        services: { service: string; documents: { profiles: string[] }[] }[];
      };
      expect(
        list.services.map((s) => [s.service, s.documents.map((d) => d.profiles.join())]),
      ).to.deep.equal([['orders', ['default']]]);
    });

    it('refuses a WebSocket subscription to orders-admin and sends orders/admin without the password', async () => {
      const ws = sb.socket(server, bearer(ORDERS));
      await ws.opened();
      ws.send({ type: 'subscribe', id: 'a', service: 'orders-admin', profiles: ['default'] });
      const refused = await ws.next((f) => f.id === 'a');
      expect(refused).to.deep.include({ type: 'error', code: 'HC_FORBIDDEN' });
      ws.send({ type: 'subscribe', id: 'b', service: 'orders', profiles: ['admin'] });
      const snapshot = await ws.next((f) => f.id === 'b');
      expect(snapshot.type).to.equal('snapshot');
      expect(JSON.stringify(snapshot)).not.to.include(PLAIN);
      expect(snapshot.config).to.deep.equal({
        db: { host: 'orders-db' },
        shared: { region: 'eu' },
      });
    });
  });

  describe('when only orders has a schema', () => {
    let repo: GitFixture;
    // orders-admin.yml is then profile `admin` of orders: a reader of orders-admin's document
    // (which Spring builds from orders-admin.yml) must be allowed orders too.
    beforeEach(async () => {
      const files: Record<string, string> = { ...FILES };
      delete files['schemas/orders-admin.schema.json'];
      repo = await sb.repo(files);
      server = await sb.server(repo, {
        tokensFile: await sb.tokenFile(POLICY),
        encryptKey: TEST_KEY,
      });
    });

    it('refuses a token for orders-admin alone on every path, naming orders', async () => {
      for (const path of [
        '/v1/config/orders-admin/default',
        '/orders-admin/default',
        '/orders-admin/default/main',
        '/v1/history/orders-admin/default',
      ]) {
        for (let i = 0; i < 2; i++) {
          const res = await get(path, ADMIN);
          expect(res.status, path).to.equal(403);
          expect(JSON.parse(res.text), path).to.deep.equal({
            error: {
              code: 'HC_FORBIDDEN',
              message: 'this token may not read service orders, whose files this document uses',
            },
          });
        }
      }
      const ws = sb.socket(server, bearer(ADMIN));
      await ws.opened();
      ws.send({ type: 'subscribe', id: 'x', service: 'orders-admin', profiles: ['default'] });
      expect(await ws.next((f) => f.id === 'x')).to.deep.include({
        type: 'error',
        code: 'HC_FORBIDDEN',
        message: 'this token may not read service orders, whose files this document uses',
      });
    });

    it('shows a token for orders-admin alone no instance of that document in the fleet view', async () => {
      const ws = sb.socket(server, bearer(OPS));
      await ws.opened();
      ws.send({ type: 'hello', instanceId: 'adm-1', labels: {}, sdk: 'test/1.0.0' });
      await ws.next((f) => f.type === 'welcome');
      ws.send({ type: 'subscribe', id: 'a', service: 'orders-admin', profiles: ['default'] });
      await ws.next((f) => f.id === 'a' && f.type === 'snapshot');
      const seen = await get('/v1/instances/adm-1', OPS);
      expect(seen.status).to.equal(200);

      const fleet = await get('/v1/fleet', ADMIN);
      expect(fleet.status).to.equal(200);
      expect(JSON.parse(fleet.text).documents).to.deep.equal([]);
      const list = await get('/v1/fleet/orders-admin/default', ADMIN);
      expect(list.status).to.equal(403);
      expect(JSON.parse(list.text).error.message).to.equal(
        'this token may not read service orders, whose files this document uses',
      );
      expect((await get('/v1/instances/adm-1', ADMIN)).status).to.equal(404);
      const ops = JSON.parse((await get('/v1/fleet', OPS)).text);
      expect(ops.documents.map((d: { service: string }) => d.service)).to.deep.equal([
        'orders-admin',
      ]);
    });

    it('shows a token for orders-admin alone no rollout of that document', async () => {
      await repo.commit({
        'orders-admin-default.canary.yml': [
          'rollout:',
          '  steps: [{percent: 10, bake: 5m}, {percent: 100, bake: 0}]',
          'config:',
          '  admin: {mode: canary}',
          '',
        ].join('\n'),
      });
      await server.parts?.detector.refresh();
      await server.parts?.publisher.settled();
      expect((await get('/orders-admin/default', OPS)).status).to.equal(200);
      const all = async (token: string) =>
        (JSON.parse((await get('/v1/rollouts', token)).text) as { rollouts: { service: string }[] })
          .rollouts;
      // The rollout starts at the controller's next step, not with the publish itself.
      const started = await pollUntil(
        () => all(OPS),
        (r) => r.length > 0,
      );
      expect(started.map((r) => r.service)).to.deep.equal(['orders-admin']);
      expect(await all(ADMIN)).to.deep.equal([]);
      const one = await get('/v1/rollouts/orders-admin/default', ADMIN);
      expect(one.status).to.equal(403);
      expect(JSON.parse(one.text).error.message).to.equal(
        'this token may not read service orders, whose files this document uses',
      );
    });

    it('refuses the orders-admin token once a commit gives orders a file it reads', async () => {
      const files: Record<string, string> = { ...FILES };
      delete files['schemas/orders-admin.schema.json'];
      delete files['schemas/orders.schema.json'];
      const repo = await sb.repo(files);
      const fresh = await sb.server(repo, {
        tokensFile: await sb.tokenFile(POLICY),
        encryptKey: TEST_KEY,
      });
      const read = async (path: string) =>
        (await fetch(`${fresh.url}${path}`, { headers: bearer(ADMIN) })).status;
      // No schema claims orders-admin.yml: it is orders-admin's own document.
      for (let i = 0; i < 2; i++)
        expect(await read('/v1/config/orders-admin/default')).to.equal(200);
      await repo.commit({ 'schemas/orders.schema.json': '{"type": "object"}' }, 'orders schema');
      await fresh.parts?.detector.refresh();
      await fresh.parts?.publisher.settled();
      for (const path of ['/v1/config/orders-admin/default', '/orders-admin/default']) {
        for (let i = 0; i < 2; i++) expect(await read(path), path).to.equal(403);
      }
    });

    it('refuses history and diff of that document even at a commit where it is invalid', async () => {
      await repo.commit({ 'orders-admin.yml': 'admin: [\n' }, 'broken');
      await server.parts?.detector.refresh();
      const good = await repo.git('rev-parse', 'HEAD~1');
      const paths = [
        '/v1/history/orders-admin/default',
        `/v1/diff/orders-admin/default?from=${good}&to=main`,
      ];
      for (const path of paths) {
        const res = await get(path, ADMIN);
        expect([path, res.status]).to.deep.equal([path, 403]);
      }
    });

    it('lets the orders token read orders/admin, with the password it owns', async () => {
      const res = await get('/v1/config/orders/admin', ORDERS);
      expect(res.status).to.equal(200);
      expect(JSON.parse(res.text).config.admin).to.deep.equal({ password: PLAIN });
    });
  });
});
