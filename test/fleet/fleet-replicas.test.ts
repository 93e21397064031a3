import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import { GitFixture } from '../helpers/git-fixture.js';
import { request } from '../helpers/server.js';
import { freePort, spawnServer, type ServerProcess } from '../helpers/spawn-server.js';
import { spawnInstances, waitUntil, type InstanceGroup } from './fleet-helpers.js';

/** A redis-server of our own on a free port: the outage test must not stop the shared one. */
async function startRedis(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${port}/0`;
  await waitUntil('our redis-server to listen', async () => {
    const { default: net } = await import('node:net');
    return new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  });
  return { url, child };
}

interface Line {
  service: string;
  online: number;
  applied: number;
  offline: number;
  summary: string;
}

describe('Fleet view across three replicas sharing Redis', function () {
  this.timeout(180_000);
  const PING_S = 1;
  let repo: GitFixture;
  let redis: { url: string; child: ChildProcess };
  const replicas: ServerProcess[] = [];
  const groups: InstanceGroup[] = [];

  before(async () => {
    repo = await GitFixture.create({ 'orders.yml': 'pool: 1\n', 'billing.yml': 'fee: 1\n' });
    redis = await startRedis();
    for (const id of ['r1', 'r2', 'r3']) {
      replicas.push(
        await spawnServer({
          HOTCONF_REPO: repo.dir,
          HOTCONF_BUS_URL: redis.url,
          HOTCONF_REPLICA_ID: id,
          HOTCONF_PING_INTERVAL: String(PING_S),
        }),
      );
    }
    const counts = [4, 3, 3];
    for (const [n, replica] of replicas.entries()) {
      groups.push(
        await spawnInstances(replica.url, `r${n + 1}`, counts[n] ?? 0, {
          services: ['orders', 'billing'],
        }),
      );
    }
  });

  after(async () => {
    for (const g of groups) g.kill();
    for (const r of replicas) r.child.kill('SIGKILL');
    redis.child.kill('SIGKILL');
    await repo.remove();
  });

  async function fleet(replica: ServerProcess): Promise<{ partial: boolean; lines: Line[] }> {
    const body = (await request(`${replica.url}/v1/fleet`)).json;
    return { partial: body.partial, lines: body.documents };
  }

  const brief = (lines: Line[]) => lines.map((l) => `${l.service}: ${l.summary}`);

  it('gives the same counts from every replica, and turns a dead replica’s instances offline', async () => {
    const r1 = replicas[0] as ServerProcess;
    const version = (await repo.head()).slice(0, 7);
    const expected = [`billing: 4 of 4 on ${version}`, `orders: 6 of 6 on ${version}`];
    for (const replica of replicas) {
      await waitUntil(`${replica.url} to see all 10 instances`, async () => {
        const { lines } = await fleet(replica);
        return JSON.stringify(brief(lines)) === JSON.stringify(expected);
      });
    }
    const one = (await request(`${replicas[1]?.url}/v1/instances/r3-0`)).json;
    expect(one).to.deep.include({ id: 'r3-0', replica: 'r3', online: true });

    (replicas[2] as ServerProcess).child.kill('SIGKILL');
    const killedAt = Date.now();
    const afterKill = [
      `billing: 3 of 3 on ${version}, 1 offline`,
      `orders: 4 of 4 on ${version}, 2 offline`,
    ];
    for (const replica of replicas.slice(0, 2)) {
      await waitUntil(
        `${replica.url} to see r3's instances offline`,
        async () =>
          JSON.stringify(brief((await fleet(replica)).lines)) === JSON.stringify(afterKill),
        10_000,
      );
    }
    const tookMs = Date.now() - killedAt;
    process.stderr.write(
      `      (a dead replica's instances offline elsewhere after ${tookMs} ms)\n`,
    );
    expect(tookMs).to.be.below(2 * PING_S * 1000 + 1500);
    expect((await fleet(r1)).partial).to.equal(false);
  });

  it('answers with its own instances and says partial while Redis is down', async () => {
    redis.child.kill('SIGKILL');
    const r1 = replicas[0] as ServerProcess;
    const version = (await repo.head()).slice(0, 7);
    await waitUntil('r1 to notice Redis is gone', async () => (await fleet(r1)).partial);
    const res = await request(`${r1.url}/v1/fleet`);
    expect(res.status).to.equal(200);
    expect(brief(res.json.documents)).to.deep.equal([
      `billing: 2 of 2 on ${version}`,
      `orders: 2 of 2 on ${version}`,
    ]);
    const list = await request(`${r1.url}/v1/fleet/orders/default`);
    expect(list.status).to.equal(200);
    expect(list.json.partial).to.equal(true);
    expect(list.json.instances.map((i: { id: string }) => i.id)).to.deep.equal(['r1-0', 'r1-2']);
  });
});
