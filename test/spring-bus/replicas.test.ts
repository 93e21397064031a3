import { expect } from 'chai';
import { freePort, RedisProcess } from '../bus/redis-helpers.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { spawnServer, type ServerProcess } from '../helpers/spawn-server.js';
import { SpringInstance, springStatus, TestVhost, waitFor } from './rabbit-helpers.js';

describe('Spring Cloud Bus with three replicas', function () {
  this.timeout(90_000);
  let vhost: TestVhost;
  let repo: GitFixture;
  let instance: SpringInstance;
  const replicas: ServerProcess[] = [];
  // A redis-server of this test's own: acks now enter the fleet, kept in Redis for 24 h.
  let redis: RedisProcess;

  before(async () => {
    redis = new RedisProcess(await freePort());
    await redis.start();
    vhost = await TestVhost.create();
    repo = await GitFixture.create({
      'application.yml': 'logging:\n  level: info\n',
      'orders.yml': 'db:\n  pool:\n    max: 10\n',
      'payments.yml': 'currency: EUR\n',
    });
    instance = await SpringInstance.start(vhost.guestUrl, 'orders:8080:c3');
    for (const id of ['r1', 'r2', 'r3']) {
      replicas.push(
        await spawnServer({
          HOTCONF_REPO: repo.dir,
          HOTCONF_BUS_URL: redis.url,
          HOTCONF_SPRING_BUS_URL: vhost.url,
          HOTCONF_REPLICA_ID: id,
        }),
      );
    }
    for (const r of replicas) {
      await waitFor(
        'every replica on the Spring bus',
        async () => (await springStatus(r.url)).connected,
      );
    }
  });
  after(async () => {
    for (const r of replicas) {
      r.child.kill('SIGTERM');
      await r.exited;
    }
    await instance?.close();
    await repo?.remove();
    await vhost?.remove();
    await redis?.stop();
  });

  it('announces each change exactly once between them, and every replica lists the ack', async () => {
    const expected: string[] = [];
    for (const [file, text, destination] of [
      ['orders.yml', 'db:\n  pool:\n    max: 11\n', 'orders:**'],
      ['payments.yml', 'currency: USD\n', 'payments:**'],
      ['application.yml', 'logging:\n  level: warn\n', '**'],
      ['orders.yml', 'db:\n  pool:\n    max: 12\n', 'orders:**'],
    ] as const) {
      await repo.commit({ [file]: text });
      expected.push(destination);
      await instance.waitForRefreshes(expected.length, 20_000);
    }
    // Time for a second replica's duplicate, were there one.
    await new Promise((r) => setTimeout(r, 1500));
    const events = instance.refreshes();
    expect(events.map((r) => r.json.destinationService)).to.deep.equal(expected);
    expect(new Set(events.map((r) => r.json.id)).size).to.equal(4);
    const announced = await Promise.all(
      replicas.map(async (r) => (await springStatus(r.url)).announced),
    );
    expect(announced.reduce((a, b) => a + b, 0)).to.equal(4);

    const last = events[events.length - 1]!.json;
    instance.ack(last);
    const head = await repo.head('main');
    for (const r of replicas) {
      await waitFor('the ack on every replica', async () =>
        (await springStatus(r.url)).instances.some((i) => i.id === 'orders:8080:c3'),
      );
      const seen = (await springStatus(r.url)).instances.find((i) => i.id === 'orders:8080:c3');
      expect(seen).to.include({ destination: 'orders:**', version: head });
    }
  });
});
