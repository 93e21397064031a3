import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, settle, startServer } from '../helpers/server.js';

const ORDERS_SCHEMA = JSON.stringify(
  {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      db: {
        type: 'object',
        properties: {
          pool: {
            type: 'object',
            properties: {
              max: { type: 'integer', maximum: 500 },
              min: { type: 'integer', default: 2 },
            },
            required: ['max'],
            additionalProperties: false,
          },
        },
      },
      mode: { enum: ['fast', 'safe'], default: 'safe' },
    },
  },
  null,
  2,
);

describe('schema gate', () => {
  let repo: GitFixture;
  let server: HotconfServer;

  afterEach(async () => {
    await server?.close();
    await repo?.remove();
  });

  async function serve(files: Record<string, string>, settings = {}) {
    repo = await GitFixture.create({ 'schemas/orders.schema.json': ORDERS_SCHEMA, ...files });
    server = await startServer({ repo: repo.dir, ...settings });
  }

  const get = async (path: string) => request(`${server.url}${path}`);
  const status = async () => (await get('/v1/status')).json;
  const doc = (st: any, service: string, profiles = 'default') =>
    st.documents.find((d: any) => d.service === service && d.profiles.join(',') === profiles);

  it('fills in schema defaults, so clients see one complete document', async () => {
    await serve({ 'orders.yml': 'db:\n  pool:\n    max: 10\n' });
    expect((await get('/v1/config/orders/default')).json.config).to.deep.equal({
      db: { pool: { max: 10, min: 2 } },
      mode: 'safe',
    });
  });

  describe('a commit that breaks the schema', () => {
    let good: string;
    let bad: string;

    beforeEach(async () => {
      await serve({
        'orders.yml': 'db:\n  pool:\n    max: 10\n',
        'orders-prod.yml': '# prod\ndb:\n  pool:\n    max: 200\n',
      });
      good = await repo.head();
      bad = await repo.commit(
        { 'orders-prod.yml': '# prod\ndb:\n  pool:\n    max: 900\n' },
        'raise the pool',
        'Ops Person <ops@example.com>',
      );
      await settle(server);
    });

    it('is not served: the previous document and version are', async () => {
      const body = (await get('/v1/config/orders/prod')).json;
      expect(body.version).to.equal(good);
      expect(body.config.db.pool.max).to.equal(200);
    });

    it('is reported by /v1/status with commit, author, file, pointer, line and a sentence', async () => {
      const d = doc(await status(), 'orders', 'prod');
      expect(d.state).to.equal('rejected');
      expect(d.version).to.equal(good);
      expect(d.rejection.commit).to.equal(bad);
      expect(d.rejection.author).to.equal('Ops Person');
      expect(d.rejection.message).to.equal('raise the pool');
      expect(d.rejection.time).to.match(/^\d{4}-\d\d-\d\dT/);
      expect(d.rejection.problems).to.deep.equal([
        {
          file: 'orders-prod.yml',
          path: '/db/pool/max',
          line: 4,
          message: '`db.pool.max` must be <= 500 — orders-prod.yml line 4',
        },
      ]);
      expect(doc(await status(), 'orders', 'default').state).to.equal('ok');
    });

    it('publishes again at the next valid commit', async () => {
      const fixed = await repo.commit({ 'orders-prod.yml': 'db:\n  pool:\n    max: 300\n' });
      await settle(server);
      const body = (await get('/v1/config/orders/prod')).json;
      expect(body.version).to.equal(fixed);
      expect(body.config.db.pool.max).to.equal(300);
      expect(doc(await status(), 'orders', 'prod').state).to.equal('ok');
      expect(doc(await status(), 'orders', 'prod').lastRejection.commit).to.equal(bad);
    });
  });

  it('judges a schema change and a config change in one commit together', async () => {
    await serve({ 'orders.yml': 'db:\n  pool:\n    max: 10\n' });
    const raised = ORDERS_SCHEMA.replace('"maximum": 500', '"maximum": 1000');
    const commit = await repo.commit({
      'schemas/orders.schema.json': raised,
      'orders.yml': 'db:\n  pool:\n    max: 900\n',
    });
    await settle(server);
    const body = (await get('/v1/config/orders/default')).json;
    expect(body.version).to.equal(commit);
    expect(body.config.db.pool.max).to.equal(900);
  });

  it('never lets one broken service hold another back', async () => {
    await serve({ 'orders.yml': 'db:\n  pool:\n    max: 10\n', 'payments.yml': 'fee: 1\n' });
    const commit = await repo.commit({
      'orders.yml': 'db:\n  pool:\n    max: 9000\n',
      'payments.yml': 'fee: 2\n',
    });
    await settle(server);
    expect((await get('/v1/config/payments/default')).json).to.include({ version: commit });
    expect((await get('/v1/config/payments/default')).json.config).to.deep.equal({ fee: 2 });
    expect((await get('/v1/config/orders/default')).json.config.db.pool.max).to.equal(10);
  });

  it('rejects a YAML syntax error with the file and line, keeping the last valid document', async () => {
    await serve({ 'orders.yml': 'db:\n  pool:\n    max: 10\n' });
    await repo.commit({ 'orders.yml': 'db:\n  pool:\n    max: [10\n' });
    await settle(server);
    expect((await get('/v1/config/orders/default')).json.config.db.pool.max).to.equal(10);
    const [problem] = doc(await status(), 'orders').rejection.problems;
    expect(problem.file).to.equal('orders.yml');
    expect(problem.line).to.be.a('number');
    expect(problem.message).to.match(/^orders\.yml line \d+: /);
  });

  it('rejects a schema that is itself invalid', async () => {
    await serve({ 'orders.yml': 'db:\n  pool:\n    max: 10\n' });
    await repo.commit({
      'schemas/orders.schema.json':
        '{"type": "object", "properties": {"db": {"type": "no-such-type"}}}',
    });
    await settle(server);
    const d = doc(await status(), 'orders');
    expect(d.state).to.equal('rejected');
    expect(d.rejection.problems[0].file).to.equal('schemas/orders.schema.json');
    expect(d.rejection.problems[0].message).to.match(
      /^schemas\/orders\.schema\.json is not a valid JSON Schema: /,
    );
    expect((await get('/v1/config/orders/default')).status).to.equal(200);
  });

  it('names a key the schema does not allow, at the file and line that set it', async () => {
    await serve({ 'orders.yml': 'db:\n  pool:\n    max: 10\n' });
    await repo.commit({ 'orders.yml': 'db:\n  pool:\n    max: 10\n    mx: 20\n' });
    await settle(server);
    expect(doc(await status(), 'orders').rejection.problems).to.deep.equal([
      {
        file: 'orders.yml',
        path: '/db/pool/mx',
        line: 4,
        message: '`db.pool.mx` is not an allowed setting — orders.yml line 4',
      },
    ]);
  });

  describe('at start-up', () => {
    it('serves the newest valid commit when the head is invalid, flagged degraded', async () => {
      repo = await GitFixture.create({
        'schemas/orders.schema.json': ORDERS_SCHEMA,
        'orders.yml': 'db:\n  pool:\n    max: 10\n',
      });
      const valid = await repo.commit({ 'orders.yml': 'db:\n  pool:\n    max: 20\n' });
      await repo.commit({ 'README.md': 'unrelated\n' });
      await repo.commit({ 'orders.yml': 'db:\n  pool:\n    max: 600\n' });
      server = await startServer({ repo: repo.dir });
      const body = (await get('/v1/config/orders/default')).json;
      expect(body.version).to.equal(valid);
      expect(body.config.db.pool.max).to.equal(20);
      const d = doc(await status(), 'orders');
      expect(d.state).to.equal('degraded');
      expect(d.degraded).to.equal(true);
      const services = (await get('/v1/services')).json.services;
      expect(services[0].documents[0].state).to.equal('degraded');
    });

    it('walks back only at start-up: a document first asked for later answers 503 until fixed', async () => {
      repo = await GitFixture.create({
        'schemas/orders.schema.json': ORDERS_SCHEMA,
        'orders.yml': 'db:\n  pool:\n    max: 10\n',
      });
      server = await startServer({ repo: repo.dir });
      await repo.commit({ 'orders.yml': 'db:\n  pool:\n    max: 600\n' });
      await settle(server);
      // orders/dev,eu was never evaluated before the bad commit: no older version is dug up.
      const reply = await get('/v1/config/orders/dev,eu');
      expect(reply.status).to.equal(503);
      expect(reply.json.error.code).to.equal('HC_DOCUMENT_INVALID');
      expect((await get('/v1/config/orders/default')).json.config.db.pool.max).to.equal(10);
    });

    it('answers 503 with the validation errors when no valid commit exists', async () => {
      await serve({ 'orders.yml': 'db:\n  pool:\n    max: 600\n' });
      const reply = await get('/v1/config/orders/default');
      expect(reply.status).to.equal(503);
      expect(reply.json.error.code).to.equal('HC_DOCUMENT_INVALID');
      expect(reply.json.error.details).to.deep.equal([
        {
          file: 'orders.yml',
          path: '/db/pool/max',
          line: 3,
          message: '`db.pool.max` must be <= 500 — orders.yml line 3',
        },
      ]);
      expect(doc(await status(), 'orders').state).to.equal('unavailable');
    });
  });

  describe('services without a schema', () => {
    it('are served unvalidated and listed as such by default', async () => {
      await serve({ 'payments.yml': 'fee: 1\n' });
      expect((await get('/v1/config/payments/default')).json.config).to.deep.equal({ fee: 1 });
      expect(doc(await status(), 'payments').state).to.equal('unvalidated');
    });

    it('are rejected with HOTCONF_REQUIRE_SCHEMA=true', async () => {
      await serve({ 'payments.yml': 'fee: 1\n' }, { requireSchema: true });
      const reply = await get('/v1/config/payments/default');
      expect(reply.status).to.equal(503);
      expect(reply.json.error.details[0].message).to.equal(
        'service payments has no schema (schemas/payments.schema.json) and HOTCONF_REQUIRE_SCHEMA is on',
      );
    });
  });
});
