import { BenchRepo, ordersYaml, smallRepoFiles } from '../lib/config-repo.js';
import type { Child } from '../lib/ipc.js';
import { median, quantile, sleep } from '../lib/measure.js';
import type { HotconfProcess } from '../lib/hotconf-process.js';
import {
  connectClients,
  forkChild,
  startHotconf,
  subscribeFrame,
  type BenchContext,
  type Receipts,
} from './context.js';

/** Per-commit figures of a series: commit start → first and → last receipt, git's own time. */
interface Series {
  toLast: number[];
  toFirst: number[];
  gitMs: number[];
  /** Receipt after `git commit` returned (negative: the change arrived before git exited). */
  afterGit: number[];
  missed: number;
}

/**
 * `commits` commits of orders.yml, one at a time; each waits for all `subscribers` to
 * receive the change (or 5 s), then `gapMs`, before the next. The clock starts just before
 * `git commit`.
 */
async function series(
  repo: BenchRepo,
  clients: Child,
  subscribers: number,
  commits: number,
  seq: { n: number },
  gapMs: number,
): Promise<Series> {
  const out: Series = { toLast: [], toFirst: [], gitMs: [], afterGit: [], missed: 0 };
  for (let i = 0; i < commits; i++) {
    await clients.request('arm');
    const t = await repo.commit({ 'orders.yml': ordersYaml(++seq.n) }, `bench ${seq.n}`);
    const r = await clients.request<Receipts>('wait', { count: subscribers, timeoutMs: 5000 });
    out.gitMs.push(t.endedAt - t.startedAt);
    if (r.n < subscribers) {
      out.missed++;
      continue;
    }
    out.toLast.push(r.last - t.startedAt);
    out.afterGit.push(r.last - t.endedAt);
    out.toFirst.push(r.first - t.startedAt);
    await sleep(gapMs);
  }
  return out;
}

async function serverPublishMs(
  server: HotconfProcess,
  before: { sum: number; count: number },
): Promise<number> {
  const after = await server.publishLatency();
  return ((after.sum - before.sum) / Math.max(1, after.count - before.count)) * 1000;
}

/** Scenario 3: commit → `change` received, p50/p99, for 1 and for N subscribers. */
export async function pushScenario(ctx: BenchContext): Promise<void> {
  const { opts } = ctx;
  const repo = await BenchRepo.create('push', smallRepoFiles());
  const server = await startHotconf(ctx, repo.dir, 'push');
  const seq = { n: 0 };
  let one: Child | undefined;
  let many: Child | undefined;
  try {
    one = await forkChild('ws-clients');
    await connectClients(one, server.wsUrl, 1, subscribeFrame('orders', ['default']));
    ctx.log(`push: ${opts.pushCommits} commits, 1 subscriber`);
    await series(repo, one, 1, 5, seq, opts.pushGapMs); // warm-up: JIT, git's caches
    let before = await server.publishLatency();
    const single = await series(repo, one, 1, opts.pushCommits, seq, opts.pushGapMs);
    const singlePublish = await serverPublishMs(server, before);
    await one.request('close');

    many = await forkChild('ws-clients');
    await connectClients(
      many,
      server.wsUrl,
      opts.pushSubscribers,
      subscribeFrame('orders', ['default']),
    );
    ctx.log(
      `push: ${opts.pushCommits} commits, ${opts.pushSubscribers} subscribers (separate process)`,
    );
    await series(repo, many, opts.pushSubscribers, 3, seq, opts.pushGapMs);
    before = await server.publishLatency();
    const fan = await series(
      repo,
      many,
      opts.pushSubscribers,
      opts.pushCommits,
      seq,
      opts.pushGapMs,
    );
    const fanPublish = await serverPublishMs(server, before);

    ctx.details.push = {
      single: { ...summary(single), serverPublishMeanMs: singlePublish },
      many: { subscribers: opts.pushSubscribers, ...summary(fan), serverPublishMeanMs: fanPublish },
    };
    const s = summary(single);
    const m = summary(fan);
    ctx.rows.push(
      {
        scenario: 'push',
        metric: 'commit → received p50, 1 sub',
        value: s.p50,
        unit: 'ms',
        target: '≤ 15 ms',
        pass: s.p50 <= 15,
      },
      {
        scenario: 'push',
        metric: 'commit → received p99, 1 sub',
        value: s.p99,
        unit: 'ms',
        target: '≤ 50 ms',
        pass: s.p99 <= 50,
      },
      { scenario: 'push', metric: '`git commit` itself, p50', value: s.gitP50, unit: 'ms' },
      {
        scenario: 'push',
        metric: 'received after git returned, p50, 1 sub',
        value: s.afterGitP50,
        unit: 'ms',
      },
      {
        scenario: 'push',
        metric: `commit → last of ${opts.pushSubscribers} p50`,
        value: m.p50,
        unit: 'ms',
      },
      {
        scenario: 'push',
        metric: `commit → last of ${opts.pushSubscribers} p99`,
        value: m.p99,
        unit: 'ms',
        target: '≤ 100 ms',
        pass: m.p99 <= 100,
      },
      {
        scenario: 'push',
        metric: `git returned → last of ${opts.pushSubscribers} p99`,
        value: m.afterGitP99,
        unit: 'ms',
        target: '≤ 30 ms',
        pass: m.afterGitP99 <= 30,
      },
      {
        scenario: 'push',
        metric: 'commits not received within 5 s',
        value: single.missed + fan.missed,
        unit: '',
        target: '0',
        pass: single.missed + fan.missed === 0,
      },
    );
    if (single.missed + fan.missed > 0)
      ctx.log(`push: ${single.missed + fan.missed} commits not received within 5 s`);
  } finally {
    await one?.stop();
    await many?.stop();
    await server.stop();
    await repo.remove();
  }
}

function summary(s: Series) {
  return {
    commits: s.toLast.length + s.missed,
    missed: s.missed,
    p50: quantile(s.toLast, 0.5),
    p99: quantile(s.toLast, 0.99),
    max: quantile(s.toLast, 1),
    firstP50: median(s.toFirst),
    gitP50: median(s.gitMs),
    afterGitP50: median(s.afterGit),
    afterGitP99: quantile(s.afterGit, 0.99),
    gitMax: quantile(s.gitMs, 1),
    /** The slowest commits: [commit → last receipt, git commit's own ms]. */
    slowest: s.toLast
      .map((ms, i) => [ms, ms - (s.afterGit[i] ?? 0)])
      .sort((a, b) => (b[0] ?? 0) - (a[0] ?? 0))
      .slice(0, 5),
  };
}
