import { expect } from 'chai';
import { connect, type HotconfClient } from '@hotconf/client';
import { Fleet, type FleetStatus } from './fleet-helpers.js';
import { freePort, RedisProcess, waitFor } from './redis-helpers.js';

interface Orders {
  pool: { max: number };
}

const POLL_SECONDS = 2;

describe('Bus: Redis going away and coming back', function () {
  this.timeout(30_000);
  // A redis-server of this test's own, on a port of its own: stopping it disturbs no one.
  let redis: RedisProcess;
  let fleet: Fleet;
  const clients: HotconfClient<Orders>[] = [];

  const statuses = () => Promise.all(fleet.replicas.map((r) => r.status()));
  const allBus = async (state: FleetStatus['bus']['state']) =>
    (await statuses()).every((s) => s.bus.state === state);

  before(async function () {
    redis = new RedisProcess(await freePort());
    await redis.start();
    fleet = await Fleet.start({ 'orders.yml': 'pool:\n  max: 1\n' }, ['a1', 'a2', 'a3'], {
      busUrl: redis.url,
      pollInterval: POLL_SECONDS,
    });
    for (const replica of fleet.replicas.slice(1)) {
      const client = await connect<Orders>({
        server: replica.url,
        service: 'orders',
        retry: { minDelayMs: 20, maxDelayMs: 200 },
        logger: { warn: () => undefined },
      });
      client.on('error', () => undefined);
      clients.push(client);
    }
    await waitFor('the bus to be up on every replica', () => allBus('up'), 8000);
  });

  after(async () => {
    for (const c of clients) await c.close();
    await fleet?.close();
    await redis?.stop();
  });

  it('keeps the fleet in step by polling while Redis is down, and says the bus is down', async () => {
    await redis.stop();
    await waitFor('every replica to report the bus down', () => allBus('down'), 5000);

    const commit = await fleet.push({ 'orders.yml': 'pool:\n  max: 2\n' });
    const t0 = performance.now();
    expect(await fleet.replica(0).webhook()).to.equal(202);
    await waitFor(
      'both clients to get the change by polling',
      () => clients.every((c) => c.version === commit),
      3 * POLL_SECONDS * 1000,
    );
    const took = performance.now() - t0;
    console.log(
      `      bus down: change reached both clients in ${took.toFixed(0)} ms (poll interval ${POLL_SECONDS * 1000} ms)`,
    );
    // One poll interval, plus a second of slack for fetching and publishing on a loaded machine.
    expect(took).to.be.below(POLL_SECONDS * 1000 + 1000);

    const status = await fleet.replica(1).status();
    expect(status.bus.state).to.equal('down');
    expect(status.bus.lastError).to.match(/ECONNREFUSED/);
    expect(status.bus.url).to.equal(redis.url);
    expect(status.converged).to.equal(false);
    expect(status.repository.labels.main).to.equal(commit);
    const metrics = await (await fetch(`${fleet.replica(1).url}/metrics`)).text();
    expect(metrics).to.match(/^hotconf_bus_up\{replica="a2"\} 0$/m);
  });

  it('recovers without a restart once Redis is back, and a webhook propagates over the bus again', async () => {
    await redis.start();
    await waitFor('the bus to be up again on every replica', () => allBus('up'), 10_000);

    const before = performance.now();
    const commit = await fleet.push({ 'orders.yml': 'pool:\n  max: 3\n' });
    const sentAt = Date.now();
    expect(await fleet.replica(0).webhook()).to.equal(202);
    await waitFor(
      'both clients to get the change',
      () => clients.every((c) => c.version === commit),
      5000,
      5,
    );
    console.log(
      `      bus back: change reached both clients in ${(performance.now() - before).toFixed(0)} ms`,
    );
    for (const replica of fleet.replicas.slice(1)) {
      // The bus, not a lucky poll, carried it: the replica heard a1's announcement.
      const { bus } = await replica.status();
      expect(bus.state).to.equal('up');
      expect(bus.lastError).to.equal(null);
      expect(bus.lastRemoteChange?.replica).to.equal('a1');
      expect(bus.lastRemoteChange?.refs).to.deep.equal(['refs/heads/main']);
      expect(Date.parse(bus.lastRemoteChange?.at ?? '')).to.be.at.least(sentAt - 50);
    }
    const metrics = await (await fetch(`${fleet.replica(1).url}/metrics`)).text();
    expect(metrics).to.match(/^hotconf_bus_up\{replica="a2"\} 1$/m);
    await waitFor(
      'the fleet to converge',
      async () => (await statuses()).every((s) => s.converged && s.replicas.length === 3),
      8000,
    );
  });
});
