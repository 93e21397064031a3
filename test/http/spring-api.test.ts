import { expect } from 'chai';
import { parse } from 'yaml';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, startServer } from '../helpers/server.js';

describe('Spring Cloud Config API', () => {
  let repo: GitFixture;
  let server: HotconfServer;

  before(async () => {
    repo = await GitFixture.create({
      'application.yml': 'logging:\n  level: info\nshared: app\n',
      'application-eu.yml': 'region: eu\n',
      'camera-registry.yml': 'db:\n  pool:\n    max: 10\n',
      'camera-registry-prod.yml': 'db:\n  pool:\n    max: 90\n',
      'orders.yml': 'db:\n  pool:\n    max: 10\n  hosts: [a, b]\nempty: {}\n',
      'orders-dev.yml': 'db:\n  pool:\n    max: 3\n',
      'schemas/orders.schema.json': JSON.stringify({
        type: 'object',
        properties: { retries: { type: 'integer', default: 3 } },
      }),
    });
    await repo.git('checkout', '-q', '-b', 'feature/x');
    await repo.commit({ 'orders-dev.yml': 'db:\n  pool:\n    max: 4\n' });
    await repo.git('checkout', '-q', 'main');
    server = await startServer({ repo: repo.dir });
  });

  after(async () => {
    await server.close();
    await repo.remove();
  });

  describe('GET /{service}/{profiles}', () => {
    it("returns Spring's Environment: sources flattened, highest precedence first, each named by its file", async () => {
      const reply = await request(`${server.url}/orders/dev`);
      expect(reply.status).to.equal(200);
      expect(reply.json).to.deep.equal({
        name: 'orders',
        profiles: ['dev'],
        label: null,
        version: await repo.head('main'),
        state: null,
        propertySources: [
          { name: 'orders-dev.yml', source: { 'db.pool.max': 3 } },
          {
            name: 'orders.yml',
            source: { 'db.pool.max': 10, 'db.hosts[0]': 'a', 'db.hosts[1]': 'b', empty: '' },
          },
          { name: 'application.yml', source: { 'logging.level': 'info', shared: 'app' } },
          { name: 'hotconf:schema-defaults', source: { retries: 3 } },
        ],
      });
    });

    it('takes a label as third segment, with / sent as (_)', async () => {
      const reply = await request(`${server.url}/orders/dev/feature(_)x`);
      expect(reply.status).to.equal(200);
      expect(reply.json.label).to.equal('feature(_)x'.replace('(_)', '/'));
      expect(reply.json.version).to.equal(await repo.head('feature/x'));
      expect(reply.json.propertySources[0]).to.deep.equal({
        name: 'orders-dev.yml',
        source: { 'db.pool.max': 4 },
      });
    });

    it('accepts URL-encoded profile lists (dev%2Ceu)', async () => {
      const reply = await request(`${server.url}/orders/dev%2Ceu`);
      expect(reply.status).to.equal(200);
      expect(reply.json.profiles).to.deep.equal(['dev', 'eu']);
      expect(reply.json.propertySources.map((p: { name: string }) => p.name)).to.deep.equal([
        'application-eu.yml',
        'orders-dev.yml',
        'orders.yml',
        'application.yml',
        'hotconf:schema-defaults',
      ]);
    });

    it('accepts HTTP Basic credentials as a Spring client sends them (open mode)', async () => {
      const reply = await request(`${server.url}/orders/dev`, {
        headers: { Authorization: `Basic ${Buffer.from('user:secret').toString('base64')}` },
      });
      expect(reply.status).to.equal(200);
    });
  });

  describe('GET /{service}-{profiles}.{ext}', () => {
    it('renders the merged document as YAML', async () => {
      const reply = await request(`${server.url}/orders-dev.yml`);
      expect(reply.status).to.equal(200);
      expect(reply.headers.get('content-type')).to.match(/yaml/);
      expect(parse(reply.text)).to.deep.equal({
        logging: { level: 'info' },
        shared: 'app',
        db: { pool: { max: 3 }, hosts: ['a', 'b'] },
        empty: {},
        retries: 3,
      });
      expect((await request(`${server.url}/orders-dev.yaml`)).text).to.equal(reply.text);
    });

    it('renders it as JSON', async () => {
      const reply = await request(`${server.url}/orders-dev.json`);
      expect(reply.json).to.deep.equal({
        logging: { level: 'info' },
        shared: 'app',
        db: { pool: { max: 3 }, hosts: ['a', 'b'] },
        empty: {},
        retries: 3,
      });
    });

    it('renders it as .properties, keys sorted', async () => {
      const reply = await request(`${server.url}/orders-dev.properties`);
      expect(reply.text).to.equal(
        [
          'db.hosts[0]: a',
          'db.hosts[1]: b',
          'db.pool.max: 3',
          'empty: ',
          'logging.level: info',
          'retries: 3',
          'shared: app',
          '',
        ].join('\n'),
      );
    });

    it('splits a dashed service name at the known service (camera-registry-prod)', async () => {
      expect((await request(`${server.url}/camera-registry-prod.json`)).json.db.pool.max).to.equal(
        90,
      );
    });

    it('takes a label first: /{label}/{service}-{profiles}.{ext}', async () => {
      expect(
        (await request(`${server.url}/feature(_)x/orders-dev.json`)).json.db.pool.max,
      ).to.equal(4);
      expect((await request(`${server.url}/main/orders-dev.json`)).json.db.pool.max).to.equal(3);
    });
  });
});
