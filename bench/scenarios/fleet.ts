import { readFile } from 'node:fs/promises';
import { BenchRepo, ordersYaml, smallRepoFiles } from '../lib/config-repo.js';
import { ClientGroup } from '../lib/client-group.js';
import { median, settledRss, sleep, wallNow } from '../lib/measure.js';
import { startHotconf, subscribeFrame, type BenchContext } from './context.js';

/** CPU time (user + system) a process has used, ms, from /proc/<pid>/stat (100 ticks a second). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface FleetLine {
  applied: number;
  online: number;
}

/** `GET /v1/fleet` once: the orders line and how long the answer took. */
async function fleetLine(url: string): Promise<{ line: FleetLine | undefined; ms: number }> {
  const started = wallNow();
  const res = await fetch(`${url}/v1/fleet`);
  const body = (await res.json()) as { documents: (FleetLine & { service: string })[] };
  const ms = wallNow() - started;
  return { line: body.documents.find((d) => d.service === 'orders'), ms };
}

/** Polls `/v1/fleet` until `n` applied the current document; resolves with when it saw that. */
async function visible(url: string, n: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { line } = await fleetLine(url);
    if (line && line.applied >= n) return wallNow();
    if (Date.now() > deadline)
      throw new Error(`fleet: ${line?.applied ?? 0} of ${n} applied after ${timeoutMs} ms`);
    // Not faster: each look costs the server a walk over every instance.
    await sleep(25);
  }
}

/**
 * The fleet view's costs (issue 16): N SDK-like clients that say hello and answer each
 * change with `applied`. Commit → last receipt with acks on and off, alternated change by
 * change (the first two rounds discarded); how soon "N of N applied" shows in
 * `/v1/fleet` after the last receipt; `GET /v1/fleet` latency at N instances; and server
 * RSS per identified instance (connection, subscription and fleet record together).
 */
export async function fleetScenario(ctx: BenchContext): Promise<void> {
  const n = ctx.opts.fanoutClients;
  // Acks on and off in turn, as many of each: on (CPU measured), off, on (visibility
  // polled: its GETs would count against the CPU figure), off.
  const rounds = 2 + 4 * ctx.opts.fanoutChanges;
  const repo = await BenchRepo.create('fleet', smallRepoFiles());
  const server = await startHotconf(ctx, repo.dir, 'fleet');
  // Real instances each run in their own process; the clients here share a few, so that
  // answering `applied` does not slow one process's reading of the next frames.
  const procs = 2;
  let clients: ClientGroup | undefined;
  try {
    clients = await ClientGroup.fork('fleet-clients', procs);
    const group = clients;
    await sleep(1000);
    const before = await settledRss(server.pid);
    ctx.log(`fleet: connecting ${n} identified clients from ${procs} processes`);
    const started = wallNow();
    const results = await group.all<{ errors: number; firstError?: string; connections: number }>(
      'connect',
      (i) => ({
        url: server.wsUrl,
        ...group.share(n, i),
        subscribe: subscribeFrame('orders', ['default']),
      }),
    );
    const connected = { ms: wallNow() - started };
    const failed = results.find((r) => r.errors > 0);
    if (failed) throw new Error(`fleet: ${failed.errors} clients failed: ${failed.firstError}`);
    await visible(server.url, n);
    const after = await settledRss(server.pid);
    const perInstance = (after - before) / n;
    ctx.log(
      `fleet: ${n} connected in ${connected.ms.toFixed(0)} ms; ${(perInstance / 1024).toFixed(2)} kB each`,
    );

    const gets: number[] = [];
    for (let i = 0; i < 9; i++) gets.push((await fleetLine(server.url)).ms);

    const withAcks: number[] = [];
    const withoutAcks: number[] = [];
    // Server side alone: commit seen → last frame written (hotconf_publish_latency_seconds).
    const serverWithAcks: number[] = [];
    const serverWithoutAcks: number[] = [];
    // Server CPU per change, acks included (for acks on, until "N of N" is visible).
    const cpuWithAcks: number[] = [];
    const cpuWithoutAcks: number[] = [];
    const shownAfter: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const acks = round % 2 === 0;
      const poll = round % 4 === 2;
      await group.all('arm', () => ({ acks }));
      const latencyBefore = await server.publishLatency();
      const cpuBefore = await cpuMs(server.pid);
      const { startedAt } = await repo.commit(
        { 'orders.yml': ordersYaml(round + 1) },
        `fleet ${round}`,
      );
      const r = await group.receipts(n, 60_000);
      if (r.n < n) throw new Error(`fleet: only ${r.n} of ${n} got change ${round}`);
      const latencyAfter = await server.publishLatency();
      const serverMs = (latencyAfter.sum - latencyBefore.sum) * 1000;
      if (round >= 2) (acks ? serverWithAcks : serverWithoutAcks).push(serverMs);
      if (round >= 2) (acks ? withAcks : withoutAcks).push(r.last - startedAt);
      if (poll) {
        const seen = await visible(server.url, n);
        if (round >= 2) shownAfter.push(seen - r.last);
      }
      // Every round, whatever it did, gives the server the same quiet time before the next
      // commit: long enough for 10 000 acks to be read even on a loaded machine. (Cut short
      // after a polled round, the next round, always an acks-on one, started on the heels
      // of the polls.)
      await sleep(1500);
      if (!poll) {
        const cpu = (await cpuMs(server.pid)) - cpuBefore;
        if (round >= 2) (acks ? cpuWithAcks : cpuWithoutAcks).push(cpu);
      }
      if (acks) await visible(server.url, n);
      await sleep(300);
    }
    const on = median(withAcks);
    const off = median(withoutAcks);
    const shown = median(shownAfter);
    const get = median(gets);
    ctx.details.fleet = {
      cpuWithAcks,
      cpuWithoutAcks,
      serverWithAcks,
      serverWithoutAcks,
      clients: n,
      withAcks,
      withoutAcks,
      shownAfter,
      gets,
      before,
      after,
      perInstance,
    };
    ctx.rows.push(
      {
        scenario: 'fleet',
        metric: `commit → last of ${n}, acks on (median of ${withAcks.length})`,
        value: on,
        unit: 'ms',
        baseline: { name: 'acks off', value: off },
        ratio: off / on,
        target: '≤ 10 % slower than acks off',
        pass: on <= off * 1.1,
      },
      {
        scenario: 'fleet',
        metric: `server: commit seen → last frame written, acks on`,
        value: median(serverWithAcks),
        unit: 'ms',
        baseline: { name: 'acks off', value: median(serverWithoutAcks) },
        ratio: median(serverWithoutAcks) / median(serverWithAcks),
      },
      {
        scenario: 'fleet',
        metric: `server CPU per change, acks on`,
        value: median(cpuWithAcks),
        unit: 'ms',
        baseline: { name: 'acks off', value: median(cpuWithoutAcks) },
        ratio: median(cpuWithoutAcks) / median(cpuWithAcks),
      },
      {
        scenario: 'fleet',
        metric: `last receipt → "${n} of ${n}" in /v1/fleet`,
        value: shown,
        unit: 'ms',
        target: '≤ 500 ms',
        pass: shown <= 500,
      },
      {
        scenario: 'fleet',
        metric: `GET /v1/fleet at ${n} instances (median of 9)`,
        value: get,
        unit: 'ms',
        target: '≤ 100 ms',
        pass: get <= 100,
      },
      {
        scenario: 'fleet',
        metric: 'server RSS per identified instance',
        value: perInstance / 1024,
        unit: 'kB',
        target: '≤ 10 kB',
        pass: perInstance <= 10 * 1024,
      },
    );
  } finally {
    await clients?.stop();
    await server.stop();
    await repo.remove();
  }
}
