import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HotconfServer } from '../../server/src/create-server.js';
import { waitUntil } from '../fleet/fleet-helpers.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { startServer } from '../helpers/server.js';
import { rolloutOf, spawnGroup, type RolloutGroup } from './rollout-helpers.js';

/** A cohort that crashes (SIGKILL, no close frame) right after applying the canary halts it. */
describe('Canary rollout and a crashing cohort', function () {
  this.timeout(120_000);
  let repo: GitFixture;
  let cacheDir: string;
  let server: HotconfServer;
  let group: RolloutGroup | undefined;

  before(async () => {
    repo = await GitFixture.create({ 'orders-prod.yml': 'pool:\n  max: 10\n' });
    cacheDir = await mkdtemp(join(tmpdir(), 'hotconf-rollout-'));
    server = await startServer({ repo: repo.dir, cacheDir, pingInterval: 1, pollInterval: 1 });
  });

  after(async () => {
    group?.kill();
    await server.close();
    await repo.remove();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('halts with "instances lost after applying" when cohort instances are killed', async () => {
    group = await spawnGroup(server.url, 'k', 5);
    await repo.commit({
      'orders-prod.canary.yml':
        'rollout:\n  steps: [{percent: 20, bake: 10m}, {percent: 100, bake: 0}]\nconfig:\n  pool: {max: 80}\n',
    });
    await server.parts?.detector.refresh();
    await waitUntil('the cohort to apply the canary', async () => {
      const r = await rolloutOf(server.url);
      return r?.cohort.length === 1 && r.applied === 1;
    });
    const cohort = (await rolloutOf(server.url))?.cohort ?? [];
    expect(cohort).to.have.length(1);
    group.kill();
    await waitUntil('the halt', async () => (await rolloutOf(server.url))?.status === 'halted');
    const halted = await rolloutOf(server.url);
    expect(halted?.haltReason).to.equal(`instances lost after applying: ${cohort[0]}`);
    expect(halted?.step).to.equal(1);
  });

  it('does not halt when cohort instances close cleanly (a deploy)', async () => {
    group = await spawnGroup(server.url, 'c', 5);
    await repo.commit({
      'orders-prod.canary.yml':
        'rollout:\n  steps: [{percent: 20, bake: 10m}, {percent: 100, bake: 0}]\nconfig:\n  pool: {max: 81}\n',
    });
    await server.parts?.detector.refresh();
    await waitUntil('the new cohort to apply the canary', async () => {
      const r = await rolloutOf(server.url);
      return (
        r?.status === 'running' && r.cohort.some((id) => id.startsWith('c-')) && r.applied === 1
      );
    });
    await group.close();
    // Two ping intervals: an unclean close would have turned into a halt by now.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await rolloutOf(server.url))?.status).to.equal('running');
  });
});
