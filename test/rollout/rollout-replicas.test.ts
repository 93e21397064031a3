import type { ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '../fleet/fleet-helpers.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request } from '../helpers/server.js';
import { spawnServer, type ServerProcess } from '../helpers/spawn-server.js';
import {
  poolMaxOf,
  rolloutOf,
  spawnGroup,
  startRedis,
  type RolloutGroup,
  type RolloutReply,
} from './rollout-helpers.js';

/**
 * Three replicas sharing a redis-server of their own: every replica serves the same cohort,
 * one drives the steps, and killing it neither stalls nor restarts the rollout.
 */
describe('Canary rollout across three replicas sharing Redis', function () {
  this.timeout(180_000);
  let repo: GitFixture;
  let cacheDir: string;
  let redis: { url: string; child: ChildProcess };
  const replicas = new Map<string, ServerProcess>();
  const groups: RolloutGroup[] = [];

  before(async () => {
    repo = await GitFixture.create({
      'orders-prod.yml': 'pool:\n  max: 10\n',
      'schemas/orders.schema.json': '{"type": "object"}',
    });
    cacheDir = await mkdtemp(join(tmpdir(), 'hotconf-rollout-'));
    redis = await startRedis();
    for (const id of ['r1', 'r2', 'r3']) {
      replicas.set(
        id,
        await spawnServer({
          HOTCONF_REPO: repo.dir,
          HOTCONF_BUS_URL: redis.url,
          HOTCONF_REPLICA_ID: id,
          HOTCONF_PING_INTERVAL: '1',
          HOTCONF_POLL_INTERVAL: '1',
          HOTCONF_CACHE_DIR: join(cacheDir, id),
        }),
      );
    }
  });

  after(async () => {
    for (const g of groups) g.kill();
    for (const r of replicas.values()) r.child.kill('SIGKILL');
    redis.child.kill('SIGKILL');
    await repo.remove();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('serves one cohort from every replica and survives the death of its driver', async () => {
    await repo.commit({
      'orders-prod.canary.yml':
        'rollout:\n  steps: [{percent: 10, bake: 2s}, {percent: 50, bake: 4s}, {percent: 100, bake: 0}]\nconfig:\n  pool: {max: 80}\n',
    });
    let driver = '';
    await waitUntil('a driver for the rollout', async () => {
      const body = (await request(`${[...replicas.values()][0]?.url}/v1/rollouts`)).json;
      driver = body?.driver ?? '';
      return body?.rollouts?.length === 1 && driver !== '';
    });
    // The instances connect to the two other replicas: killing the driver loses none of them.
    const others = [...replicas].filter(([id]) => id !== driver).map(([, r]) => r);
    for (const [n, r] of others.entries()) groups.push(await spawnGroup(r.url, `g${n}`, 5));

    await waitUntil(
      'step 2 with its cohort on the canary',
      async () => {
        const r = await rolloutOf(others[0]?.url ?? '');
        return r?.step === 2 && r.cohort.length === 5 && r.applied === 5;
      },
      60_000,
    );
    // Every replica serves the same cohort, and the instances hold what it says.
    const views: RolloutReply[] = [];
    for (const r of replicas.values()) views.push((await rolloutOf(r.url)) as RolloutReply);
    const cohort = views[0]?.cohort ?? [];
    for (const v of views) expect(v.cohort).to.deep.equal(cohort);
    const values = await poolMaxOf(groups);
    for (const [id, value] of values) {
      expect(value).to.equal(cohort.includes(id) ? '80 canary' : '10 base');
    }

    replicas.get(driver)?.child.kill('SIGKILL');
    replicas.delete(driver);
    await waitUntil(
      'the rollout to complete without its first driver, on both replicas left',
      async () => {
        const [a, b] = await Promise.all(others.map((r) => rolloutOf(r.url)));
        return a?.status === 'complete' && b?.status === 'complete';
      },
      60_000,
    );
    const done = (await rolloutOf(others[1]?.url ?? '')) as RolloutReply;
    expect(done.status).to.equal('complete');
    expect(done.events.map((e) => e.kind)).to.deep.equal(['started', 'step', 'step', 'complete']);
    expect(done.cohort).to.include.members(cohort);
    const body = (await request(`${others[1]?.url}/v1/rollouts`)).json;
    expect(body.driver).to.not.equal(driver);
    await waitUntil('all 10 on the canary', async () =>
      [...(await poolMaxOf(groups)).values()].every((v) => v === '80 canary'),
    );
  });

  it('halts from any replica: every replica and every instance follows', async () => {
    const [a, b] = [...replicas.values()];
    await repo.commit({
      'orders-prod.canary.yml':
        'rollout:\n  steps: [{percent: 50, bake: 10m}, {percent: 100, bake: 0}]\nconfig:\n  pool: {max: 90}\n',
    });
    await waitUntil(
      'the new cohort on the canary',
      async () => {
        const r = await rolloutOf(a?.url ?? '');
        return r?.status === 'running' && r.cohort.length === 5 && r.applied === 5;
      },
      60_000,
    );
    const driver = (await request(`${a?.url}/v1/rollouts`)).json.driver as string;
    const follower = [...replicas].find(([id]) => id !== driver)?.[1] ?? b;
    const halt = await request(`${follower?.url}/v1/rollouts/orders/prod/halt`, {
      method: 'POST',
    });
    expect(halt.status).to.equal(200);
    const started = Date.now();
    await waitUntil('all 10 back on base', async () =>
      [...(await poolMaxOf(groups)).values()].every((v) => v === '10 base'),
    );
    console.log(`      all 10 on base ${Date.now() - started} ms after a follower's halt answered`);
    for (const r of replicas.values()) {
      expect((await rolloutOf(r.url))?.status).to.equal('halted');
    }
  });
});
