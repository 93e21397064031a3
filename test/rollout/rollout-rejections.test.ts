import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { bearer, Sandbox, TOKENS } from '../access/access-helpers.js';
import type { GitFixture } from '../helpers/git-fixture.js';
import { request, settle, sleep } from '../helpers/server.js';
import { waitUntil } from '../fleet/fleet-helpers.js';

const SCHEMA = JSON.stringify({
  type: 'object',
  properties: { pool: { type: 'object', properties: { max: { type: 'integer', minimum: 1 } } } },
});

const FILES = {
  'orders-prod.yml': 'pool:\n  max: 10\n',
  'schemas/orders.schema.json': SCHEMA,
  'billing-prod.yml': 'fee: 1\n',
};

interface Problem {
  file?: string;
  line?: number;
  message: string;
}

/** Canary files the gate refuses: the commit is rejected, the base stays, no rollout starts. */
describe('Canary files refused at the gate', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let repo: GitFixture;
  let server: HotconfServer;
  const admin = bearer(TOKENS.ops);

  beforeEach(async () => {
    sandbox = new Sandbox();
    repo = await sandbox.repo(FILES);
    server = await sandbox.server(repo, {
      tokensFile: await sandbox.tokenFile(),
      cacheDir: await sandbox.tempDir(),
      replicaId: 'solo',
    });
  });
  afterEach(() => sandbox.dispose());

  async function problemsOf(service: string): Promise<Problem[]> {
    const status = await request(`${server.url}/v1/status`, { headers: admin });
    const docs = status.json.documents as {
      service: string;
      profiles: string[];
      rejection?: { problems: Problem[] };
    }[];
    const doc = docs.find((d) => d.service === service && d.profiles.join() === 'prod');
    return doc?.rejection?.problems ?? [];
  }

  async function rollouts(): Promise<unknown[]> {
    return (await request(`${server.url}/v1/rollouts`, { headers: admin })).json.rollouts;
  }

  it('rejects an overlay that breaks the schema: base unchanged, no rollout', async () => {
    const before = await request(`${server.url}/v1/config/orders/prod`, { headers: admin });
    await repo.commit({
      'orders-prod.canary.yml':
        'rollout:\n  steps: [{percent: 10, bake: 1m}]\nconfig:\n  pool: {max: 0}\n',
    });
    await settle(server);
    const problems = await problemsOf('orders');
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include({ file: 'orders-prod.canary.yml', line: 4, path: '/pool/max' });
    expect(problems[0]?.message).to.equal(
      'the canary document (with orders-prod.canary.yml) is invalid: `pool.max` must be >= 1 — orders-prod.canary.yml line 4',
    );
    const after = await request(`${server.url}/v1/config/orders/prod`, { headers: admin });
    expect(after.json.etag).to.equal(before.json.etag);
    expect(after.json.config).to.deep.equal({ pool: { max: 10 } });
    // A few of the controller's 200 ms looks: none starts a rollout.
    await sleep(600);
    expect(await rollouts()).to.deep.equal([]);
  });

  const bad: [string, string, number, RegExp][] = [
    [
      'steps not increasing',
      'rollout:\n  steps:\n    - {percent: 50, bake: 1m}\n    - {percent: 10, bake: 1m}\nconfig:\n  pool: {max: 20}\n',
      4,
      /line 4: step 2: percent 10 must be more than the step before \(50\)$/,
    ],
    [
      'percent 0',
      'rollout:\n  steps:\n    - {percent: 0, bake: 1m}\nconfig:\n  pool: {max: 20}\n',
      3,
      /line 3: step 1: percent must be a whole number from 1 to 100$/,
    ],
    [
      'percent 150',
      'rollout:\n  steps:\n    - {percent: 150, bake: 1m}\nconfig:\n  pool: {max: 20}\n',
      3,
      /line 3: step 1: percent must be a whole number from 1 to 100$/,
    ],
    [
      'bake -1',
      'rollout:\n  steps:\n    - percent: 10\n      bake: -1\nconfig:\n  pool: {max: 20}\n',
      4,
      /line 4: step 1: bake must be a duration such as 30s, 5m or 1h \(or 0\), not -1$/,
    ],
    [
      'an unknown key',
      'rollout:\n  steps: [{percent: 10, bake: 1m}]\n  speed: fast\nconfig:\n  pool: {max: 20}\n',
      3,
      /line 3: unknown key `speed` in `rollout`; allowed: steps, match$/,
    ],
  ];
  for (const [what, text, line, message] of bad) {
    it(`rejects a canary file with ${what}, naming file and line`, async () => {
      await repo.commit({ 'orders-prod.canary.yml': text });
      await settle(server);
      const problems = await problemsOf('orders');
      expect(problems).to.have.length(1);
      expect(problems[0]?.file).to.equal('orders-prod.canary.yml');
      expect(problems[0]?.line).to.equal(line);
      expect(problems[0]?.message).to.match(
        new RegExp(`^orders-prod\\.canary\\.yml ${message.source}`),
      );
      expect(await rollouts()).to.deep.equal([]);
    });
  }

  it('reads .canary.properties the same way, and guards the routes by token', async () => {
    await repo.commit({
      'orders-prod.canary.properties':
        'rollout.steps[0].percent=10\nrollout.steps[0].bake=10m\nconfig.pool.max=20\n',
    });
    await settle(server);
    expect(await problemsOf('orders')).to.deep.equal([]);
    await waitUntil('the rollout to start', async () => (await rollouts()).length === 1);
    const list = await request(`${server.url}/v1/rollouts`, { headers: admin });
    expect(list.json.rollouts).to.have.length(1);
    expect(list.json.rollouts[0]).to.include({
      service: 'orders',
      profile: 'prod',
      status: 'running',
      step: 1,
      percent: 10,
      share: '0 of 0 = 0 %',
    });
    expect(list.json.rollouts[0].steps).to.deep.equal([{ percent: 10, bake: '10m' }]);

    const url = `${server.url}/v1/rollouts/orders/prod`;
    expect((await request(url)).status).to.equal(401);
    expect((await request(`${url}/halt`, { method: 'POST' })).status).to.equal(401);
    const readHalt = await request(`${url}/halt`, {
      method: 'POST',
      headers: bearer(TOKENS.orders),
    });
    expect(readHalt.status).to.equal(403);
    expect(readHalt.json.error.message).to.equal('this endpoint needs an admin token');
    // A read token sees its own services' rollouts only.
    expect(
      (await request(`${server.url}/v1/rollouts`, { headers: bearer(TOKENS.billing) })).json
        .rollouts,
    ).to.deep.equal([]);
    expect((await request(url, { headers: bearer(TOKENS.billing) })).status).to.equal(403);
    expect((await request(url, { headers: bearer(TOKENS.orders) })).json.status).to.equal(
      'running',
    );

    const halted = await request(`${url}/halt`, { method: 'POST', headers: admin });
    expect(halted.status).to.equal(200);
    expect(halted.json).to.include({ status: 'halted', haltReason: 'halted by ops' });
    const status = await request(`${server.url}/v1/status`, { headers: admin });
    expect(status.json.rollouts).to.deep.include({
      running: 0,
      halted: 1,
      complete: 0,
      driver: 'solo',
    });
    expect(status.json.rollouts.rollouts).to.deep.equal([
      {
        document: 'orders/prod@main',
        status: 'halted',
        step: 1,
        cohort: 0,
        haltReason: 'halted by ops',
      },
    ]);
  });
});
