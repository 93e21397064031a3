import { expect } from 'chai';
import WebSocket from 'ws';
import { connect, type ChangeEvent, type HotconfClient } from '@hotconf/client';
import { Fleet } from './fleet-helpers.js';
import { REDIS_URL, requireRedis, waitFor, withDb } from './redis-helpers.js';

interface Orders {
  pool: { max: number };
}

const FAST_RETRY = { minDelayMs: 20, maxDelayMs: 200, restartDelayMs: 50 };

/** An SDK client that keeps every change it receives, with the time it arrived. */
async function watch(
  server: string,
): Promise<{ client: HotconfClient<Orders>; changes: (ChangeEvent<Orders> & { at: number })[] }> {
  const client = await connect<Orders>({
    server,
    service: 'orders',
    retry: FAST_RETRY,
    logger: { warn: () => undefined },
  });
  const changes: (ChangeEvent<Orders> & { at: number })[] = [];
  client.on('change', (event) => changes.push({ ...event, at: performance.now() }));
  client.on('error', () => undefined);
  await waitFor(`the client on ${server} to connect`, () => client.connected, 5000);
  return { client, changes };
}

/** One raw subscribe on `/v1/watch`; resolves with the server's first answer. */
function subscribeOnce(
  server: string,
  etag: string | null,
): Promise<{ type: string; version?: string; etag?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.replace(/^http/, 'ws')}/v1/watch`);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no answer to subscribe within 5 s'));
    }, 5000);
    ws.on('open', () =>
      ws.send(
        JSON.stringify({
          type: 'subscribe',
          id: 's1',
          service: 'orders',
          profiles: ['default'],
          label: 'main',
          etag,
        }),
      ),
    );
    ws.on('message', (data: Buffer) => {
      clearTimeout(timer);
      ws.close();
      resolve(JSON.parse(data.toString()) as { type: string; version?: string; etag?: string });
    });
    ws.on('error', reject);
  });
}

describe('Bus: three replicas in step over Redis', function () {
  this.timeout(30_000);
  let fleet: Fleet;
  const clients: HotconfClient<Orders>[] = [];
  let watch2: Awaited<ReturnType<typeof watch>>;
  let watch3: Awaited<ReturnType<typeof watch>>;

  // One fleet for the whole sequence: three processes cost seconds to start, and the later
  // steps (kill, restart) are about what a running fleet does next.
  before(async function () {
    await requireRedis();
    // A database of its own keeps this fleet off the channel of any other run on the shared Redis.
    const busUrl = withDb(REDIS_URL, 1 + Math.floor(Math.random() * 15));
    fleet = await Fleet.start({ 'orders.yml': 'pool:\n  max: 10\n' }, ['r1', 'r2', 'r3'], {
      busUrl,
      pollInterval: 30,
    });
    watch2 = await watch(fleet.replica(1).url);
    watch3 = await watch(fleet.replica(2).url);
    clients.push(watch2.client, watch3.client);
  });

  after(async () => {
    for (const c of clients) await c.close();
    await fleet?.close();
  });

  it('shows every replica, its head and convergence in /v1/status', async () => {
    const head = await fleet.remote.head('main');
    for (const replica of fleet.replicas) {
      await waitFor(
        `${replica.id} to see all three replicas`,
        async () => (await replica.status()).replicas.length === 3,
        8000,
      );
      const status = await replica.status();
      expect(status.bus.state).to.equal('up');
      expect(status.bus.lastError).to.equal(null);
      expect(status.replicas.map((r) => [r.id, r.self, r.head])).to.deep.equal(
        ['r1', 'r2', 'r3'].map((id) => [id, id === replica.id, head]),
      );
      expect(status.converged).to.equal(true);
    }
  });

  it('carries a webhook on replica 1 to clients of replicas 2 and 3 within 1 s (poll interval 30 s)', async () => {
    const commit = await fleet.push({ 'orders.yml': 'pool:\n  max: 20\n' });
    const t0 = performance.now();
    expect(await fleet.replica(0).webhook()).to.equal(202);
    await waitFor(
      'both clients to get the change',
      () => watch2.changes.length === 1 && watch3.changes.length === 1,
      5000,
      5,
    );
    for (const { changes, client } of [watch2, watch3]) {
      const [change] = changes;
      expect(change?.version).to.equal(commit);
      expect(change?.changedKeys).to.deep.equal(['pool.max']);
      expect(client.config).to.deep.equal({ pool: { max: 20 } });
      expect((change?.at ?? Infinity) - t0).to.be.below(1000);
    }
    console.log(
      `      webhook → r2 client ${(watch2.changes[0]!.at - t0).toFixed(0)} ms, r3 client ${(watch3.changes[0]!.at - t0).toFixed(0)} ms`,
    );
    const status2 = await fleet.replica(1).status();
    expect(status2.bus.lastRemoteChange?.replica).to.equal('r1');
    expect(status2.bus.lastRemoteChange?.refs).to.deep.equal(['refs/heads/main']);
  });

  it('lets a killed replica catch up on restart, and its clients resume by etag with nothing missed', async () => {
    const r3 = fleet.replica(2);
    const before = watch3.client.etag;
    await r3.kill();
    await waitFor('the r3 client to notice', () => !watch3.client.connected, 5000);

    const commit = await fleet.push({ 'orders.yml': 'pool:\n  max: 30\n' }, 'while r3 is down');
    expect(await fleet.replica(0).webhook()).to.equal(202);
    await waitFor('the r2 client to get the change', () => watch2.changes.length === 2, 5000);
    expect(watch3.changes.length).to.equal(1);

    await r3.restart();
    await waitFor('the r3 client to resume', () => watch3.changes.length === 2, 8000);
    expect(watch3.changes.map((c) => c.version)).to.deep.equal([
      watch2.changes[0]?.version,
      commit,
    ]);
    expect(watch3.changes[1]?.changedKeys).to.deep.equal(['pool.max']);
    expect(watch3.client.config).to.deep.equal({ pool: { max: 30 } });
    expect(watch3.client.etag).to.equal(watch2.client.etag);

    // The protocol underneath: the old etag gets the whole new document, the current one a bare ack.
    const stale = await subscribeOnce(r3.url, before);
    expect([stale.type, stale.version]).to.deep.equal(['snapshot', commit]);
    const current = await subscribeOnce(r3.url, watch3.client.etag);
    expect([current.type, current.version]).to.deep.equal(['subscribed', commit]);

    await waitFor(
      'the fleet to converge again',
      async () => {
        const all = await Promise.all(fleet.replicas.map((r) => r.status()));
        return all.every(
          (s) =>
            s.converged && s.replicas.length === 3 && s.replicas.every((x) => x.head === commit),
        );
      },
      8000,
    );
  });

  it('carries POST /v1/refresh on replica 2 to the others too', async () => {
    const commit = await fleet.push({ 'orders.yml': 'pool:\n  max: 40\n' });
    const res = await fetch(`${fleet.replica(1).url}/v1/refresh`, { method: 'POST' });
    expect(res.status).to.equal(200);
    expect(((await res.json()) as { labels: Record<string, string> }).labels.main).to.equal(commit);
    await waitFor('the r3 client to get the change', () => watch3.client.version === commit, 3000);
    const { bus } = await fleet.replica(2).status();
    expect(bus.lastRemoteChange?.replica).to.equal('r2');
    expect(bus.lastRemoteChange?.refs).to.deep.equal([]);
  });
});
