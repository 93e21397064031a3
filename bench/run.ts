import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { renderTable, type Row } from './report.js';
import type { BenchContext } from './scenarios/context.js';
import { fanoutScenario } from './scenarios/fanout.js';
import { largeScenario } from './scenarios/large.js';
import { parseScenario } from './scenarios/parse.js';
import { pushScenario } from './scenarios/push.js';
import { readScenarios } from './scenarios/read.js';
import { scaleScenario } from './scenarios/scale.js';

/** The machine the numbers came from: they mean little without it. */
function machine(): Record<string, unknown> {
  const shell = (cmd: string) => {
    try {
      return execFileSync('sh', ['-c', cmd], { encoding: 'utf8' }).trim();
    } catch {
      return 'n/a';
    }
  };
  return {
    nproc: Number(shell('nproc')),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memory: shell('free -h | sed -n 2p'),
    node: process.version,
    kernel: os.release(),
    ulimitN: shell('ulimit -n'),
    loadavgAtStart: os.loadavg(),
  };
}

/** Checks the fd limit fits the largest connection count; the clients' process needs one fd each. */
function checkFdLimit(opts: BenchOptions, log: (m: string) => void): void {
  const limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  const need = Math.max(opts.fanoutClients, opts.pushSubscribers, opts.largeSubscribers) + 200;
  if (Number.isFinite(limit) && limit < need) {
    throw new Error(
      `ulimit -n is ${limit}; ${need} file descriptors are needed. Raise it (ulimit -n ${need}) or lower --fanout-clients.`,
    );
  }
  log(`ulimit -n ${limit} (need ${need})`);
}

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const t0 = Date.now();
  const log = (m: string) =>
    process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${m}\n`);
  checkFdLimit(opts, log);
  const ctx: BenchContext = { opts, log, rows: [] as Row[], details: {} };
  const failures: string[] = [];
  const step = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
      log(`${name} FAILED: ${(error as Error).stack ?? error}`);
    }
  };
  const { only } = opts;
  const reads = (['read', 'spring'] as const).filter((s) => only.has(s));
  if (reads.length > 0) await step('read', () => readScenarios(ctx, [...reads]));
  if (only.has('push')) await step('push', () => pushScenario(ctx));
  if (only.has('fanout') || only.has('memory'))
    await step('fanout', () =>
      fanoutScenario(ctx, { fanout: only.has('fanout'), memory: only.has('memory') }),
    );
  if (only.has('scale')) await step('scale', () => scaleScenario(ctx));
  if (only.has('large')) await step('large', () => largeScenario(ctx));
  if (only.has('parse')) await step('parse', () => parseScenario(ctx));
  if (only.has('fleet'))
    await step('fleet', async () => (await import('./scenarios/fleet.js')).fleetScenario(ctx));

  const table = renderTable(ctx.rows);
  process.stdout.write(`\n${table}\n\n`);
  const result = {
    finishedAt: new Date().toISOString(),
    seconds: (Date.now() - t0) / 1000,
    machine: machine(),
    options: { ...opts, only: [...opts.only] },
    rows: ctx.rows,
    details: ctx.details,
    failures,
  };
  await mkdir(path.dirname(opts.out), { recursive: true });
  await writeFile(opts.out, `${JSON.stringify(result, null, 2)}\n`);
  log(`done in ${result.seconds.toFixed(0)} s; wrote ${opts.out}`);
  for (const f of failures) process.stderr.write(`failed: ${f}\n`);
  return failures.length > 0 ? 1 : 0;
}

process.exitCode = await main();
