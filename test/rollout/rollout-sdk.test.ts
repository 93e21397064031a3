import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HotconfServer } from '../../server/src/create-server.js';
import { waitUntil } from '../fleet/fleet-helpers.js';
import { runHotconf } from '../helpers/cli.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, startServer, WatchClient } from '../helpers/server.js';
import { freePort } from '../helpers/spawn-server.js';
import {
  poolMaxOf,
  rolloutOf,
  spawnGroup,
  type RolloutGroup,
  type RolloutReply,
} from './rollout-helpers.js';

const SCHEMA = JSON.stringify({
  type: 'object',
  properties: { pool: { type: 'object', properties: { max: { type: 'integer', minimum: 1 } } } },
});

const canary = (
  max: number,
  steps = '[{percent: 10, bake: 1s}, {percent: 50, bake: 1s}, {percent: 100, bake: 0}]',
) => `rollout:\n  steps: ${steps}\nconfig:\n  pool: {max: ${max}}\n`;

/**
 * 20 real SDK instances (two child processes) against one server: a canary grows 2 → 10 →
 * 20 and completes; a listener that throws on the canary halts the next one, and everyone
 * is back on the base document within a second; the halt survives a restart.
 */
describe('Canary rollouts with 20 SDK instances', function () {
  this.timeout(180_000);
  let repo: GitFixture;
  let cacheDir: string;
  let port: number;
  let server: HotconfServer;
  const groups: RolloutGroup[] = [];

  const start = async () => {
    server = await startServer({
      repo: repo.dir,
      port,
      host: '127.0.0.1',
      cacheDir,
      pingInterval: 1,
      pollInterval: 1,
    });
  };

  before(async () => {
    repo = await GitFixture.create({
      'orders-prod.yml': 'pool:\n  max: 10\n',
      'schemas/orders.schema.json': SCHEMA,
    });
    cacheDir = await mkdtemp(join(tmpdir(), 'hotconf-rollout-'));
    port = await freePort();
    await start();
  });

  after(async () => {
    for (const g of groups) g.kill();
    await server.close();
    await repo.remove();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('grows the cohort 2 → 10 → 20 with the same instances and completes', async () => {
    groups.push(await spawnGroup(server.url, 'a', 10, '77'));
    groups.push(await spawnGroup(server.url, 'b', 10, '77'));
    await repo.commit({ 'orders-prod.canary.yml': canary(80) }, 'canary pool 80');
    await server.parts?.detector.refresh();

    const sizes: number[] = [];
    let first: string[] = [];
    await waitUntil(
      'the rollout to complete',
      async () => {
        const r = await rolloutOf(server.url);
        if (!r) return false;
        const n = r.cohort.length;
        if (n > 0 && sizes[sizes.length - 1] !== n) {
          sizes.push(n);
          // Raising the percentage never drops an instance.
          expect(r.cohort).to.include.members(first);
          first = r.cohort;
        }
        return r.status === 'complete';
      },
      60_000,
    );
    expect(sizes).to.deep.equal([2, 10, 20]);
    const values = await poolMaxOf(groups);
    expect([...values.values()]).to.deep.equal(Array(20).fill('80 canary'));
    const done = await rolloutOf(server.url);
    expect(done?.share).to.equal('20 of 20 = 100 %');
    expect(done?.events.map((e) => e.kind)).to.deep.equal(['started', 'step', 'step', 'complete']);
    // Instances that start after the rollout completed join the canary too (a scale-up).
    const late = await spawnGroup(server.url, 'late', 2);
    await waitUntil('the late instances on the canary', async () =>
      [...(await late.state()).values()].every((v) => v === '80 canary'),
    );
    await late.close();
    // Clients without `hello`, and HTTP (Spring) reads, get the base document.
    const anonymous = await WatchClient.open(server.url);
    anonymous.subscribe('a1', 'orders', ['prod']);
    const [greeting] = await anonymous.waitFor(1);
    anonymous.close();
    expect(greeting).to.deep.include({ type: 'snapshot', config: { pool: { max: 10 } } });
    expect(greeting).to.not.have.property('cohort');
    const spring = await request(`${server.url}/orders/prod`);
    expect(spring.json.propertySources[0].source).to.deep.equal({ 'pool.max': 10 });
    // `hotconf fleet` has a line for it; /metrics counts it.
    const shown = await runHotconf(['fleet', '--server', server.url]);
    expect(shown.code).to.equal(0);
    expect(shown.stdout).to.include(
      'rollout orders/prod: complete, step 3 of 3 (100 %), 20 of 20 = 100 %, applied 20, failed 0\n',
    );
    const metrics = await request(`${server.url}/metrics`);
    expect(metrics.text).to.match(/^hotconf_rollouts\{status="complete"[^}]*\} 1$/m);
    expect(metrics.text).to.match(/^hotconf_rollouts\{status="halted"[^}]*\} 0$/m);
  });

  it('halts when a cohort instance fails the canary; all 20 are on base within 1 s', async () => {
    await repo.commit({ 'orders-prod.canary.yml': canary(77) }, 'canary pool 77');
    await server.parts?.detector.refresh();
    await waitUntil(
      'the rollout to halt',
      async () => {
        const r = await rolloutOf(server.url);
        return r?.status === 'halted';
      },
      30_000,
    );
    const halted = await rolloutOf(server.url);
    expect(halted?.haltReason).to.match(
      /^instance [ab]-\d+ failed to apply the canary: pool.max 77 starves the database$/,
    );
    await waitUntil(
      'every instance back on pool.max 10',
      async () => [...(await poolMaxOf(groups)).values()].every((v) => v === '10 base'),
      5000,
    );
    // From the halt as the server recorded it to all 20 seen on base (polled every 50 ms).
    const haltedAt = Date.parse(halted?.events.at(-1)?.at ?? '');
    const took = Date.now() - haltedAt;
    console.log(`      all 20 on base at most ${took} ms after the halt`);
    // And from the failure report to the halt.
    const failedId = /instance (\S+) failed/.exec(halted?.haltReason ?? '')?.[1] ?? '';
    const instance = (await request(`${server.url}/v1/instances/${failedId}`)).json as {
      events: { at: string; type: string }[];
    };
    const failedAt = Date.parse(instance.events.find((e) => e.type === 'failed')?.at ?? '');
    console.log(`      halted ${haltedAt - failedAt} ms after the failure report`);
    expect(took).to.be.below(1000);
  });

  it('keeps the halt across a server restart, and a new canary commit starts a new rollout', async () => {
    await server.close();
    await start();
    await waitUntil('the halted rollout after the restart', async () => {
      const r = await rolloutOf(server.url);
      return r?.status === 'halted';
    });
    // Reconnected instances still get base.
    await waitUntil(
      'instances on base after the restart',
      async () => [...(await poolMaxOf(groups)).values()].every((v) => v === '10 base'),
      20_000,
    );
    expect((await rolloutOf(server.url))?.haltReason).to.match(/failed to apply the canary/);

    await repo.commit(
      {
        'orders-prod.canary.yml': canary(90, '[{percent: 10, bake: 10m}, {percent: 100, bake: 0}]'),
      },
      'canary pool 90',
    );
    await server.parts?.detector.refresh();
    await waitUntil('a new rollout', async () => {
      const r = await rolloutOf(server.url);
      return r?.status !== 'halted' && (r?.events.length ?? 0) >= 1;
    });
    const fresh = await rolloutOf(server.url);
    expect(fresh?.events[0]?.kind).to.equal('started');
    expect(fresh?.haltReason).to.equal(null);
    const list = (await request(`${server.url}/v1/rollouts`)).json as { rollouts: unknown[] };
    expect(list.rollouts).to.have.length(1);
  });

  it('sends a base change to both sides: the cohort keeps its overlay, the rest get the base', async () => {
    await waitUntil('the cohort on the new canary', async () => {
      const r = await rolloutOf(server.url);
      return r?.cohort.length === 2 && r.applied === 2;
    });
    const before = (await rolloutOf(server.url)) as RolloutReply;
    await repo.commit({ 'orders-prod.yml': 'pool:\n  max: 11\n' }, 'base pool 11');
    await server.parts?.detector.refresh();
    await waitUntil('every instance on its side of the new base', async () => {
      const values = await poolMaxOf(groups);
      return [...values].every(
        ([id, v]) => v === (before.cohort.includes(id) ? '90 canary' : '11 base'),
      );
    });
    const after = (await rolloutOf(server.url)) as RolloutReply;
    expect(after.cohort).to.deep.equal(before.cohort);
    expect(after.events).to.deep.equal(before.events);
  });
});
