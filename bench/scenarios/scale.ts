import { BenchRepo, scaleRepoFiles, serviceName, serviceProfileYaml } from '../lib/config-repo.js';
import type { HotconfProcess } from '../lib/hotconf-process.js';
import type { Child } from '../lib/ipc.js';
import { median, quantile, sleep, wallNow } from '../lib/measure.js';
import {
  connectClients,
  forkChild,
  startHotconf,
  subscribeFrame,
  type BenchContext,
  type Receipts,
} from './context.js';

/**
 * Scenario 6: a repository of N services × (default, dev, prod). Cold start is spawn →
 * `/ready` 200 (every document resolved and validated); one-file publish is a commit to
 * one `{svc}-dev.yml` → its subscriber receives the change, and the server's own
 * `hotconf_publish_latency_seconds` (commit seen → frames written) for the same commits.
 */
export async function scaleScenario(ctx: BenchContext): Promise<void> {
  const { opts } = ctx;
  const services = opts.scaleServices;
  const genStart = wallNow();
  const repo = await BenchRepo.create('scale', scaleRepoFiles(services));
  ctx.log(
    `scale: generated ${services} services (${services * 4 + 3} files) in ${(wallNow() - genStart).toFixed(0)} ms`,
  );
  let server: HotconfProcess | undefined;
  let clients: Child | undefined;
  try {
    const cold: number[] = [];
    for (let i = 0; i < opts.scaleColdStarts; i++) {
      await server?.stop();
      server = await startHotconf(ctx, repo.dir, `scale-${i}`);
      cold.push(server.coldStartMs);
      ctx.log(`scale: cold start ${i + 1}: ${server.coldStartMs.toFixed(0)} ms`);
    }
    if (!server) throw new Error('no cold start ran');
    const status = JSON.parse((await server.get('/v1/status')).toString()) as {
      documents: { state: string }[];
    };
    const documents = status.documents.length;
    const ok = status.documents.filter((d) => d.state === 'ok').length;
    const rss = await server.rss();

    const target = Math.floor(services / 2);
    clients = await forkChild('ws-clients');
    await connectClients(clients, server.wsUrl, 1, subscribeFrame(serviceName(target), ['dev']));
    const latencies: number[] = [];
    const publish: number[] = [];
    for (let i = 1; i <= opts.scaleCommits + 2; i++) {
      const before = await server.publishLatency();
      await clients.request('arm');
      const t = await repo.commit(
        { [`${serviceName(target)}-dev.yml`]: serviceProfileYaml(target, 'dev', i) },
        `scale ${i}`,
      );
      const r = await clients.request<Receipts>('wait', { count: 1, timeoutMs: 10_000 });
      if (r.n < 1) throw new Error(`scale: commit ${i} was not received within 10 s`);
      const after = await server.publishLatency();
      if (i <= 2) continue; // warm-up
      latencies.push(r.last - t.startedAt);
      publish.push(((after.sum - before.sum) / Math.max(1, after.count - before.count)) * 1000);
      await sleep(20);
    }
    const coldMs = median(cold);
    const p50 = quantile(latencies, 0.5);
    const p99 = quantile(latencies, 0.99);
    const serverP50 = median(publish);
    ctx.details.scale = {
      services,
      documents,
      documentsOk: ok,
      coldStartsMs: cold,
      rssAfterStart: rss,
      commitToReceivedMs: latencies,
      serverPublishMs: publish,
    };
    ctx.rows.push(
      {
        scenario: 'scale',
        metric: `cold start, ${documents} documents (median of ${cold.length})`,
        value: coldMs / 1000,
        unit: 's',
        target: '≤ 5 s',
        pass: coldMs <= 5000,
      },
      {
        scenario: 'scale',
        metric: 'one-file commit → received p50',
        value: p50,
        unit: 'ms',
        target: '≤ 50 ms',
        pass: p50 <= 50,
      },
      { scenario: 'scale', metric: 'one-file commit → received p99', value: p99, unit: 'ms' },
      {
        scenario: 'scale',
        metric: 'one-file publish in server, p50',
        value: serverP50,
        unit: 'ms',
        target: '≤ 50 ms',
        pass: serverP50 <= 50,
      },
    );
  } finally {
    await clients?.stop();
    await server?.stop();
    await repo.remove();
  }
}
