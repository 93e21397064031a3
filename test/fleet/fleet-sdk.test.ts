import { expect } from 'chai';
import { runHotconf } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait-for.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request } from '../helpers/server.js';
import { spawnServer, type ServerProcess } from '../helpers/spawn-server.js';
import { spawnInstances, waitUntil, type InstanceGroup } from './fleet-helpers.js';

interface Line {
  service: string;
  online: number;
  applied: number;
  failed: number;
  older: number;
  offline: number;
  summary: string;
}

/**
 * 50 SDK instances in 5 child processes of 10 clients each (50 processes would be too heavy
 * for the 2-core build machines), across two documents, against a `hotconf serve` process.
 */
describe('Fleet view with 50 SDK instances in child processes', function () {
  this.timeout(180_000);
  const PING_S = 2;
  let repo: GitFixture;
  let server: ServerProcess;
  const groups: InstanceGroup[] = [];

  before(async () => {
    repo = await GitFixture.create({
      'orders.yml': 'pool:\n  max: 10\n',
      'billing.yml': 'fee: 1\n',
    });
    server = await spawnServer({
      HOTCONF_REPO: repo.dir,
      HOTCONF_PING_INTERVAL: String(PING_S),
      HOTCONF_POLL_INTERVAL: '1',
    });
    const started = await Promise.all(
      [0, 1, 2, 3, 4].map((c) =>
        spawnInstances(server.url, `p${c}`, 10, {
          services: ['orders', 'billing'],
          throwFor: c === 0 ? 'p0-0' : undefined,
        }),
      ),
    );
    groups.push(...started);
  });

  after(async () => {
    for (const g of groups) g.kill();
    server.child.kill('SIGTERM');
    await server.exited;
    await repo.remove();
  });

  async function lines(): Promise<Record<string, Line>> {
    const body = (await request(`${server.url}/v1/fleet`)).json;
    return Object.fromEntries((body.documents as Line[]).map((d) => [d.service, d]));
  }

  it('reports every instance applied after a commit, the failing one with its message, and gates --wait', async () => {
    await waitUntil('50 instances applied the first version', async () => {
      const l = await lines();
      return l.orders?.applied === 25 && l.billing?.applied === 25;
    });
    const committedAt = Date.now();
    const commit = await repo.commit({
      'orders.yml': 'pool:\n  max: 20\n',
      'billing.yml': 'fee: 2\n',
    });
    let last: Record<string, Line> = {};
    await waitUntil(
      'the commit applied by 49 and failed by 1',
      async () => {
        last = await lines();
        return (
          last.orders?.applied === 24 && last.orders.failed === 1 && last.billing?.applied === 25
        );
      },
      60_000,
    );
    const tookMs = Date.now() - committedAt;
    process.stderr.write(
      `      (50 instances reported a commit ${tookMs} ms after it, poll 1 s)\n`,
    );
    expect(last.orders?.summary).to.equal(`24 of 25 on ${commit.slice(0, 7)}, 1 failed`);
    expect(last.billing?.summary).to.equal(`25 of 25 on ${commit.slice(0, 7)}`);

    const failed = (await request(`${server.url}/v1/fleet/orders/default?state=failed`)).json;
    expect(failed.instances.map((i: { id: string }) => i.id)).to.deep.equal(['p0-0']);
    expect(failed.instances[0].documents[0]).to.deep.include({
      version: commit,
      error: 'pool.max 0 is below the minimum of 1',
    });
    // Logs are written asynchronously: the line follows the registry's record of it.
    await waitFor(
      () => /an instance failed to apply a document/.test(server.output()),
      10_000,
      'the failed log line',
    );

    const gate = await runHotconf([
      'fleet',
      '--wait',
      commit,
      '--timeout',
      '20s',
      '--server',
      server.url,
    ]);
    expect(gate.code, gate.stderr).to.equal(1);
    expect(gate.stdout).to.match(
      /^orders\/default: instance p0-0 \([^)]*pid \d+\) failed [0-9a-f]{7}: pool\.max 0 is below the minimum of 1\n$/,
    );
    const billing = await runHotconf([
      'fleet',
      'billing',
      '--wait',
      commit,
      '--server',
      server.url,
    ]);
    expect(billing.code, billing.stdout + billing.stderr).to.equal(0);
    expect(billing.stdout).to.equal(
      `25 of 25 online instances applied ${commit.slice(0, 7)} or later\n`,
    );

    const shown = await runHotconf(['fleet', '--server', server.url]);
    expect(shown.code).to.equal(0);
    expect(shown.stdout).to.match(/^DOCUMENT +PUBLISHED +ONLINE +APPLIED +FAILED/);
    expect(shown.stdout).to.include(`24 of 25 on ${commit.slice(0, 7)}, 1 failed`);
    const list = await runHotconf(['fleet', 'orders', '--state', 'failed', '--server', server.url]);
    expect(list.stdout.split('\n')[1]).to.match(/^p0-0 +failed +[0-9a-f]{7} /);
    expect(list.stdout).to.include('pool.max 0 is below the minimum of 1');
  });

  it('names who is missing when --wait times out', async () => {
    const paused = groups[3] as InstanceGroup;
    paused.child.kill('SIGSTOP');
    try {
      const commit = await repo.commit({ 'billing.yml': 'fee: 3\n' });
      const gate = await runHotconf([
        'fleet',
        'billing',
        '--wait',
        commit,
        '--timeout',
        '3s',
        '--server',
        server.url,
      ]);
      expect(gate.code, gate.stdout + gate.stderr).to.equal(2);
      expect(gate.stdout).to.match(/^timed out after 3 s; 5 not there yet:\n/);
      for (const n of [1, 3, 5, 7, 9]) expect(gate.stdout).to.include(`billing/default: p3-${n} (`);
    } finally {
      paused.child.kill('SIGCONT');
    }
  });

  it('shows closed instances offline at once and SIGKILLed ones within two ping intervals', async () => {
    const closing = groups[1] as InstanceGroup;
    await closing.close();
    const closedAt = Date.now();
    const offline = async (prefix: string) => {
      const body = (await request(`${server.url}/v1/fleet/orders/default?state=offline`)).json;
      return body.instances.filter((i: { id: string }) => i.id.startsWith(prefix)).length === 5;
    };
    await waitUntil('closed instances offline', () => offline('p1-'), 5000);
    const closedMs = Date.now() - closedAt;
    expect(closedMs).to.be.below(1000);

    const killed = groups[2] as InstanceGroup;
    killed.kill();
    const killedAt = Date.now();
    await waitUntil('killed instances offline', () => offline('p2-'), 4 * PING_S * 1000);
    const killedMs = Date.now() - killedAt;
    process.stderr.write(`      (closed: offline after ${closedMs} ms; SIGKILL: ${killedMs} ms)\n`);
    expect(killedMs).to.be.below(2 * PING_S * 1000 + 1000);
    const one = (await request(`${server.url}/v1/instances/p2-0`)).json;
    expect(one.online).to.equal(false);
    expect(one.events.at(-1)).to.deep.include({
      type: 'offline',
      detail: 'connection lost (1006)',
    });
  });
});
