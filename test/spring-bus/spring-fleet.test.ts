import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { freePort, RedisProcess } from '../bus/redis-helpers.js';
import { runHotconf } from '../helpers/cli.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, startServer } from '../helpers/server.js';
import {
  SpringInstance,
  springStatus,
  TestVhost,
  waitFor,
  type Received,
} from './rabbit-helpers.js';

const FILES = {
  'application.yml': 'logging:\n  level: info\n',
  'orders.yml': 'db:\n  pool:\n    max: 10\n',
  'payments.yml': 'currency: EUR\n',
};

interface FleetRow {
  id: string;
  source: string;
  online: boolean;
  state: string;
  documents: { etag: string | null; version: string | null; error: string | null }[];
}

describe('Spring Cloud Bus: Spring instances in the fleet view', function () {
  this.timeout(60_000);
  let vhost: TestVhost;
  let repo: GitFixture;
  let server: HotconfServer;
  let orders: SpringInstance;
  let payments: SpringInstance;
  const closeLater: SpringInstance[] = [];

  beforeEach(async () => {
    vhost = await TestVhost.create();
    repo = await GitFixture.create(FILES);
    server = await startServer({ repo: repo.dir, springBusUrl: vhost.url, replicaId: 'replica-a' });
    await waitFor(
      'the Spring bus to connect',
      async () => (await springStatus(server.url)).connected,
    );
    orders = await SpringInstance.start(vhost.guestUrl, 'orders:8080:3f2a9c');
    payments = await SpringInstance.start(vhost.guestUrl, 'payments:8081:77e0b1');
  });
  afterEach(async () => {
    await orders?.close();
    await payments?.close();
    for (const instance of closeLater.splice(0)) await instance.close();
    await server?.close();
    await repo?.remove();
    await vhost?.remove();
  });

  /** Waits for the announcement of `destination` at `commit`, as `instance` receives it. */
  async function announcement(instance: SpringInstance, destination: string): Promise<Received> {
    let found: Received | undefined;
    await waitFor(`a refresh for ${destination}`, () => {
      found = instance.refreshes().find((r) => r.json.destinationService === destination);
      if (found) instance.received.splice(instance.received.indexOf(found), 1);
      return found !== undefined;
    });
    return found!;
  }

  async function rows(path: string): Promise<FleetRow[]> {
    return (await request(`${server.url}${path}`)).json.instances as FleetRow[];
  }

  it('lists an instance that acked in /v1/fleet with source spring-bus and the acked version; fleet --wait exits 0', async () => {
    const commit = await repo.commit({ 'orders.yml': 'db:\n  pool:\n    max: 20\n' });
    orders.ack((await announcement(orders, 'orders:**')).json);
    await waitFor('the ack in the fleet view', async () =>
      (await rows('/v1/fleet/orders/default')).some((r) => r.id === 'orders:8080:3f2a9c'),
    );

    const overview = (await request(`${server.url}/v1/fleet`)).json;
    expect(overview.documents).to.deep.equal([
      {
        service: 'orders',
        profiles: ['default'],
        label: 'main',
        published: overview.documents[0].published,
        online: 1,
        applied: 1,
        failed: 0,
        older: 0,
        offline: 0,
        anonymous: 0,
        summary: `1 of 1 on ${commit.slice(0, 7)}`,
      },
    ]);
    expect(overview.documents[0].published.version).to.equal(commit);
    const [row] = await rows('/v1/fleet/orders/default');
    expect(row).to.deep.include({ id: 'orders:8080:3f2a9c', source: 'spring-bus', online: true });
    expect(row!.state).to.equal('applied');
    expect(row!.documents[0]).to.deep.include({ version: commit, error: null });

    const wait = await runHotconf([
      'fleet',
      '--wait',
      commit,
      '--timeout',
      '10s',
      '--server',
      server.url,
    ]);
    expect(wait.stdout).to.equal(
      `1 of 1 online instances applied ${commit.slice(0, 7)} or later\n`,
    );
    expect(wait.code).to.equal(0);
  });

  it('waits for the Spring instances whose documents changed, not for applications with nothing to refresh', async () => {
    // gateway has no file of its own (application.yml only), and no document held for it.
    const gateway = await SpringInstance.start(vhost.guestUrl, 'gateway:8082:5d1e00');
    closeLater.push(gateway);
    // application.yml alone: `**` is announced, and every instance acks it.
    const everyone = await repo.commit({ 'application.yml': 'logging:\n  level: debug\n' });
    orders.ack((await announcement(orders, '**')).json);
    payments.ack((await announcement(payments, '**')).json);
    gateway.ack((await announcement(gateway, '**')).json);
    await waitFor('the three acks in the fleet view', async () => {
      const docs = (await request(`${server.url}/v1/fleet`)).json.documents as {
        applied: number;
      }[];
      return docs.length === 3 && docs.every((d) => d.applied === 1);
    });
    const [listed] = await rows('/v1/fleet/gateway/default');
    expect(listed).to.deep.include({ id: 'gateway:8082:5d1e00', source: 'spring-bus' });
    expect(listed!.documents[0]).to.deep.include({ etag: null, version: everyone });
    const all = await runHotconf([
      'fleet',
      '--wait',
      everyone,
      '--timeout',
      '10s',
      '--server',
      server.url,
    ]);
    expect([all.code, all.stdout]).to.deep.equal([
      0,
      // gateway: listed, but with no document of its own there is nothing to wait for.
      `2 of 2 online instances applied ${everyone.slice(0, 7)} or later\n`,
    ]);

    // orders.yml only: payments and gateway had nothing to refresh and are not waited for.
    const onlyOrders = await repo.commit({ 'orders.yml': 'db:\n  pool:\n    max: 30\n' });
    orders.ack((await announcement(orders, 'orders:**')).json);
    await waitFor('the new ack', async () =>
      (await rows('/v1/fleet/orders/default')).some((r) => r.documents[0]?.version === onlyOrders),
    );
    const some = await runHotconf([
      'fleet',
      '--wait',
      onlyOrders,
      '--timeout',
      '10s',
      '--server',
      server.url,
    ]);
    expect([some.code, some.stdout]).to.deep.equal([
      0,
      `2 of 2 online instances applied ${onlyOrders.slice(0, 7)} or later\n`,
    ]);
    expect(payments.refreshes().map((r) => r.json.destinationService)).to.not.include(
      'payments:**',
    );
  });

  it('exits 2 naming the Spring instance that never acked, once the timeout is over', async () => {
    const first = await repo.commit({ 'orders.yml': 'db:\n  pool:\n    max: 40\n' });
    orders.ack((await announcement(orders, 'orders:**')).json);
    await waitFor('the ack', async () =>
      (await rows('/v1/fleet/orders/default')).some((r) => r.documents[0]?.version === first),
    );
    const second = await repo.commit({ 'orders.yml': 'db:\n  pool:\n    max: 50\n' });
    await announcement(orders, 'orders:**'); // announced, never acknowledged
    const wait = await runHotconf([
      'fleet',
      '--wait',
      second,
      '--timeout',
      '1500ms',
      '--server',
      server.url,
    ]);
    expect(wait.code).to.equal(2);
    expect(wait.stdout).to.equal(
      `timed out after 1.5 s; 1 not there yet:\n  orders/default: orders:8080:3f2a9c holds ${first.slice(0, 7)}\n`,
    );
  });

  it('records an ack heard twice once: the instance is listed once and counted once', async () => {
    const commit = await repo.commit({ 'orders.yml': 'db:\n  pool:\n    max: 60\n' });
    const event = (await announcement(orders, 'orders:**')).json;
    orders.ack(event);
    orders.ack(event);
    await waitFor('two acks heard', async () => (await springStatus(server.url)).acks >= 2);
    const listed = await rows('/v1/fleet/orders/default');
    expect(listed.map((r) => [r.id, r.documents[0]?.version])).to.deep.equal([
      ['orders:8080:3f2a9c', commit],
    ]);
    const metrics = (await request(`${server.url}/metrics`)).text;
    expect(metrics).to.match(/hotconf_fleet_reports_total\{[^}]*kind="applied"[^}]*\} 1\n/);
  });
});

describe('Spring Cloud Bus: a Spring instance in the fleet of two replicas sharing Redis', function () {
  this.timeout(60_000);
  let vhost: TestVhost;
  let repo: GitFixture;
  const servers: HotconfServer[] = [];
  let orders: SpringInstance;
  // A redis-server of this test's own: the shared one holds other runs' fleets.
  let redis: RedisProcess;

  before(async () => {
    redis = new RedisProcess(await freePort());
    await redis.start();
    vhost = await TestVhost.create();
    repo = await GitFixture.create(FILES);
    for (const replicaId of ['r1', 'r2']) {
      const server = await startServer({
        repo: repo.dir,
        springBusUrl: vhost.url,
        busUrl: redis.url,
        replicaId,
      });
      servers.push(server);
      await waitFor('the Spring bus', async () => (await springStatus(server.url)).connected);
    }
    orders = await SpringInstance.start(vhost.guestUrl, `orders:8080:${Date.now().toString(36)}`);
  });
  after(async () => {
    await orders?.close();
    for (const s of servers.splice(0)) await s.close();
    await repo?.remove();
    await vhost?.remove();
    await redis?.stop();
  });

  it('lists the instance once on each replica (both heard its ack), and either replica gates --wait', async () => {
    const commit = await repo.commit({ 'orders.yml': 'db:\n  pool:\n    max: 70\n' });
    for (const s of servers) await s.parts?.detector.refresh();
    await orders.waitForRefreshes(1, 20_000);
    orders.ack(orders.refreshes()[0]!.json);
    for (const s of servers) {
      await waitFor(`the ack on ${s.url}`, async () => {
        const docs = (await request(`${s.url}/v1/fleet`)).json.documents as { applied: number }[];
        return docs.some((d) => d.applied > 0);
      });
      const [doc] = (await request(`${s.url}/v1/fleet`)).json.documents;
      expect(doc).to.deep.include({ service: 'orders', online: 1, applied: 1, offline: 0 });
      const listed = (await request(`${s.url}/v1/fleet/orders/default`)).json.instances;
      expect(listed.map((r: FleetRow) => [r.id, r.source])).to.deep.equal([
        [orders.busId, 'spring-bus'],
      ]);
    }
    const wait = await runHotconf([
      'fleet',
      '--wait',
      commit,
      '--timeout',
      '10s',
      '--server',
      servers[1]!.url,
    ]);
    expect([wait.code, wait.stdout]).to.deep.equal([
      0,
      `1 of 1 online instances applied ${commit.slice(0, 7)} or later\n`,
    ]);
  });
});
