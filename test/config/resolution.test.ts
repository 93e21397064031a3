import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, startServer } from '../helpers/server.js';

/** Every file kind sets `who` (and its own key), so the winner of each pair is visible. */
const ALL_KINDS = {
  'application.yml':
    'who: application\nfrom_application: 1\nshared:\n  a: application\n  b: application\n',
  'application-dev.yml': 'who: application-dev\nfrom_application_dev: 1\n',
  'application-eu.yml': 'who: application-eu\nfrom_application_eu: 1\n',
  'orders.yml': 'who: orders\nfrom_orders: 1\nshared:\n  b: orders\n',
  'orders-dev.yml': 'who: orders-dev\nfrom_orders_dev: 1\n',
  'orders-eu.yml': 'who: orders-eu\nfrom_orders_eu: 1\n',
};

describe('ConfigResolver (through GET /v1/config)', () => {
  let repo: GitFixture;
  let server: HotconfServer;

  afterEach(async () => {
    await server?.close();
    await repo?.remove();
  });

  async function serve(files: Record<string, string>) {
    repo = await GitFixture.create(files);
    server = await startServer({ repo: repo.dir });
  }

  async function config(path: string) {
    const reply = await request(`${server.url}/v1/config/${path}`);
    expect(reply.status, reply.text).to.equal(200);
    return reply.json;
  }

  describe('precedence', () => {
    it('lets orders.yml override application.yml', async () => {
      await serve({
        'application.yml': ALL_KINDS['application.yml'],
        'orders.yml': ALL_KINDS['orders.yml'],
      });
      const body = await config('orders/default');
      expect(body.config.who).to.equal('orders');
      expect(body.sources).to.deep.equal(['orders.yml', 'application.yml']);
    });

    it('lets application-dev.yml override orders.yml (profile-specific beats plain)', async () => {
      await serve({
        'application-dev.yml': ALL_KINDS['application-dev.yml'],
        'orders.yml': ALL_KINDS['orders.yml'],
      });
      expect((await config('orders/dev')).config.who).to.equal('application-dev');
    });

    it('lets orders-dev.yml override application-dev.yml', async () => {
      await serve({
        'application-dev.yml': ALL_KINDS['application-dev.yml'],
        'orders.yml': 'x: 1\n',
        'orders-dev.yml': ALL_KINDS['orders-dev.yml'],
      });
      expect((await config('orders/dev')).config.who).to.equal('orders-dev');
    });

    it('lets a later profile beat an earlier one (dev,eu: application-eu beats orders-dev)', async () => {
      await serve({
        'orders.yml': 'x: 1\n',
        'orders-dev.yml': ALL_KINDS['orders-dev.yml'],
        'application-eu.yml': ALL_KINDS['application-eu.yml'],
      });
      expect((await config('orders/dev,eu')).config.who).to.equal('application-eu');
      expect((await config('orders/eu,dev')).config.who).to.equal('orders-dev');
    });

    it('orders all six files as DESIGN §2 lists them for dev,eu', async () => {
      await serve(ALL_KINDS);
      const body = await config('orders/dev,eu');
      expect(body.sources).to.deep.equal([
        'orders-eu.yml',
        'application-eu.yml',
        'orders-dev.yml',
        'application-dev.yml',
        'orders.yml',
        'application.yml',
      ]);
      expect(body.config.who).to.equal('orders-eu');
      for (const key of [
        'from_application',
        'from_application_dev',
        'from_application_eu',
        'from_orders',
        'from_orders_dev',
        'from_orders_eu',
      ]) {
        expect(body.config[key], key).to.equal(1);
      }
    });

    it('uses profile default when none is given, and default files apply', async () => {
      await serve({ ...ALL_KINDS, 'orders-default.yml': 'who: orders-default\n' });
      expect((await config('orders')).profiles).to.deep.equal(['default']);
      expect((await config('orders')).config.who).to.equal('orders-default');
      expect((await config('orders/default')).config.who).to.equal('orders-default');
    });

    it('reads .yaml and .json files like .yml', async () => {
      await serve({
        'application.yaml': 'who: application\nlevel: 1\n',
        'orders.json': '{"who": "orders-json"}',
        'orders-dev.yaml': 'dev: true\n',
      });
      const body = await config('orders/dev');
      expect(body.config).to.deep.equal({ who: 'orders-json', level: 1, dev: true });
      expect(body.sources).to.deep.equal(['orders-dev.yaml', 'orders.json', 'application.yaml']);
    });
  });

  describe('merge', () => {
    it('merges maps deeply and replaces arrays and scalars whole', async () => {
      await serve({
        'application.yml':
          'db:\n  host: shared\n  pool:\n    min: 1\n    max: 10\ncors:\n  origins: [a, b, c]\nname: app\n',
        'orders.yml': 'db:\n  pool:\n    max: 50\ncors:\n  origins: [z]\nname: orders\n',
      });
      const body = await config('orders/default');
      expect(body.config).to.deep.equal({
        db: { host: 'shared', pool: { min: 1, max: 50 } },
        cors: { origins: ['z'] },
        name: 'orders',
      });
    });

    it('lets a scalar replace a map and a map replace a scalar', async () => {
      await serve({
        'application.yml': 'a:\n  b: 1\nc: plain\n',
        'orders.yml': 'a: flat\nc:\n  d: 2\n',
      });
      expect((await config('orders/default')).config).to.deep.equal({ a: 'flat', c: { d: 2 } });
    });
  });
});
