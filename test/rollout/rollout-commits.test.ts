import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { Sandbox } from '../access/access-helpers.js';
import { waitUntil } from '../fleet/fleet-helpers.js';
import type { GitFixture } from '../helpers/git-fixture.js';
import { request, settle } from '../helpers/server.js';
import { rolloutOf } from './rollout-helpers.js';

const CANARY =
  'rollout:\n  steps: [{percent: 10, bake: 10m}, {percent: 100, bake: 0}]\nconfig:\n  pool: {max: 80}\n';

/** Commits during a rollout: a base change carries it on, a canary change restarts it, deleting ends it. */
describe('Commits during a canary rollout', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let repo: GitFixture;
  let server: HotconfServer;

  beforeEach(async () => {
    sandbox = new Sandbox();
    repo = await sandbox.repo({
      'orders-prod.yml': 'pool:\n  max: 10\ntimeout: 5\n',
      'schemas/orders.schema.json': '{"type": "object"}',
    });
    server = await sandbox.server(repo, { cacheDir: await sandbox.tempDir() });
    await repo.commit({ 'orders-prod.canary.yml': CANARY });
    await settle(server);
    await waitUntil('the rollout', async () => (await rolloutOf(server.url)) !== undefined);
  });
  afterEach(() => sandbox.dispose());

  const canaryConfig = () =>
    server.parts?.publisher.peek('orders', ['prod'])?.canary?.document.config;

  it('recomputes the canary on a new base without restarting the rollout', async () => {
    const before = await rolloutOf(server.url);
    expect(canaryConfig()).to.deep.equal({ pool: { max: 80 }, timeout: 5 });
    await repo.commit({ 'orders-prod.yml': 'pool:\n  max: 12\ntimeout: 7\n' }, 'base change');
    await settle(server);
    expect(canaryConfig()).to.deep.equal({ pool: { max: 80 }, timeout: 7 });
    const base = await request(`${server.url}/v1/config/orders/prod`);
    expect(base.json.config).to.deep.equal({ pool: { max: 12 }, timeout: 7 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const after = await rolloutOf(server.url);
    expect(after?.events).to.deep.equal(before?.events);
    expect(after?.status).to.equal('running');
  });

  it('starts a new rollout when the canary file changes, and ends it when the file is deleted', async () => {
    const first = await rolloutOf(server.url);
    await repo.commit({ 'orders-prod.canary.yml': CANARY.replace('80', '90') }, 'canary 90');
    await settle(server);
    await waitUntil('a new rollout', async () => {
      const r = await rolloutOf(server.url);
      return r !== undefined && r.events[0]?.at !== first?.events[0]?.at;
    });
    expect(canaryConfig()).to.deep.equal({ pool: { max: 90 }, timeout: 5 });

    await repo.commit({ 'orders-prod.canary.yml': null }, 'rollback');
    await settle(server);
    await waitUntil('the rollout to end', async () => (await rolloutOf(server.url)) === undefined);
    expect(canaryConfig()).to.equal(undefined);
    expect((await request(`${server.url}/v1/rollouts`)).json.rollouts).to.deep.equal([]);
  });
});
