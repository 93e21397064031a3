import { writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LoadResult } from '../children/load.js';
import { BenchRepo, smallRepoFiles } from '../lib/config-repo.js';
import { throughputRatio } from '../report.js';
import { forkChild, startHotconf, type BenchContext } from './context.js';

const PATHS = { read: '/v1/config/orders/default', spring: '/orders/default' } as const;

/**
 * Scenarios 1 and 2: autocannon (its own process) against hotconf, a bare Koa 3 +
 * @koa/router app and a bare node:http server, each serving the exact bytes hotconf
 * serves for the same path, one after another in the same run.
 */
export async function readScenarios(
  ctx: BenchContext,
  which: ('read' | 'spring')[],
): Promise<void> {
  const { opts } = ctx;
  const repo = await BenchRepo.create('read', smallRepoFiles());
  const server = await startHotconf(ctx, repo.dir, 'read');
  const bodiesFile = path.join(os.tmpdir(), `hotconf-bench-bodies-${process.pid}.json`);
  const children = [];
  try {
    const bodies: Record<string, string> = {};
    for (const w of which) bodies[PATHS[w]] = (await server.get(PATHS[w])).toString('base64');
    await writeFile(bodiesFile, JSON.stringify(bodies));
    const http = await forkChild('bare-http', [bodiesFile]);
    const koa = await forkChild('bare-koa', [bodiesFile]);
    const load = await forkChild('load');
    children.push(http, koa, load);
    const run = (base: string, p: string) =>
      load.request<LoadResult>('run', {
        url: base + p,
        connections: opts.readConnections,
        seconds: opts.readSeconds,
        warmupSeconds: opts.readWarmupSeconds,
      });
    for (const w of which) {
      const p = PATHS[w];
      ctx.log(
        `${w}: GET ${p} (${Buffer.from(bodies[p] ?? '', 'base64').length} bytes), ${opts.readConnections} connections, ${opts.readSeconds} s each`,
      );
      const ours = await run(server.url, p);
      const bareKoa = await run(String(koa.info.url), p);
      const bareHttp = await run(String(http.info.url), p);
      for (const r of [ours, bareKoa, bareHttp]) {
        if (r.non2xx > 0 || r.errors > 0)
          throw new Error(`${r.url}: ${r.non2xx} non-2xx and ${r.errors} errors under load`);
      }
      ctx.details[w] = {
        hotconf: ours,
        bareKoa,
        bareHttp,
        bodyBytes: Buffer.from(bodies[p] ?? '', 'base64').length,
      };
      const koaRatio = throughputRatio(ours.rps, bareKoa.rps);
      const httpRatio = throughputRatio(ours.rps, bareHttp.rps);
      ctx.rows.push(
        {
          scenario: w,
          metric: 'req/s vs bare Koa',
          value: ours.rps,
          unit: 'req/s',
          baseline: { name: 'Koa', value: bareKoa.rps },
          ratio: koaRatio,
          target: '≥ 90 % of Koa',
          pass: koaRatio >= 0.9,
        },
        {
          scenario: w,
          metric: 'req/s vs bare node:http',
          value: ours.rps,
          unit: 'req/s',
          baseline: { name: 'http', value: bareHttp.rps },
          ratio: httpRatio,
          target: '≥ 80 % of http',
          pass: httpRatio >= 0.8,
        },
        {
          scenario: w,
          metric: 'p99 latency',
          value: ours.p99,
          unit: 'ms',
          baseline: { name: 'http', value: bareHttp.p99 },
        },
      );
    }
  } finally {
    for (const c of children) await c.stop();
    await server.stop();
    await rm(bodiesFile, { force: true });
    await repo.remove();
  }
}
