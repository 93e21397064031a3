import { parseConfigFile } from '../../server/src/config/parse-file.js';
import { BenchRepo, scaleRepoFiles, serviceName } from '../lib/config-repo.js';
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

/** About 1 MB of `.properties`: dotted keys, comments, a continuation line now and then. */
export function propertiesText(bytes: number): string {
  const lines: string[] = ['# generated for the parse benchmark'];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line =
      i % 50 === 0
        ? `group${i}.long.value=first part, \\\n    second part ${i}`
        : `service.group${i % 97}.item${i}.value=some value number ${i}`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

/** About 1 MB of multi-document YAML: documents of ~2 kB, every third one profile-activated. */
export function multiDocumentYaml(bytes: number): string {
  const docs: string[] = [];
  let size = 0;
  for (let d = 0; size < bytes; d++) {
    const lines = d % 3 === 1 ? [`spring.config.activate.on-profile: "p${d} | dev"`] : [];
    for (let k = 0; k < 40; k++) lines.push(`doc${d}.section${k % 7}.key${k}: value ${d}-${k}`);
    const doc = lines.join('\n');
    docs.push(doc);
    size += doc.length + 5;
  }
  return `${docs.join('\n---\n')}\n`;
}

function timeParse(file: string, text: string, runs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const parsed = parseConfigFile(file, text);
    out.push(performance.now() - t);
    if (!parsed.ok) throw new Error(`parse bench: ${parsed.problem.message}`);
  }
  return out;
}

/**
 * Spring repositories (issue 14): parse a 1 MB `.properties` file and a 1 MB multi-document
 * YAML file in-process (median of runs), then the scale repository with every third
 * service's files as `.properties` — one-file publish of a `.properties` change at
 * (services × 3) documents, read from the server's `hotconf_publish_latency_seconds`.
 */
export async function parseScenario(ctx: BenchContext): Promise<void> {
  const runs = ctx.opts.quick ? 5 : 15;
  const props = propertiesText(1 << 20);
  const yaml = multiDocumentYaml(1 << 20);
  const propsMs = median(timeParse('bench.properties', props, runs));
  const yamlMs = median(timeParse('bench.yml', yaml, runs));
  ctx.log(
    `parse: 1 MB .properties ${propsMs.toFixed(1)} ms, 1 MB multi-document YAML ${yamlMs.toFixed(1)} ms`,
  );

  const services = ctx.opts.scaleServices;
  const files = scaleRepoFiles(services);
  for (let i = 0; i < services; i += 3) {
    const svc = serviceName(i);
    delete files[`${svc}-dev.yml`];
    files[`${svc}-dev.properties`] = devProperties(i, 0);
  }
  const repo = await BenchRepo.create('parse-mixed', files);
  let server: HotconfProcess | undefined;
  let clients: Child | undefined;
  try {
    const started = wallNow();
    server = await startHotconf(ctx, repo.dir, 'parse-mixed');
    ctx.log(`parse: mixed repository ready in ${(wallNow() - started).toFixed(0)} ms`);
    const target = 3 * Math.floor(services / 6);
    clients = await forkChild('ws-clients');
    await connectClients(clients, server.wsUrl, 1, subscribeFrame(serviceName(target), ['dev']));
    const publish: number[] = [];
    const received: number[] = [];
    for (let i = 1; i <= ctx.opts.scaleCommits + 2; i++) {
      const before = await server.publishLatency();
      await clients.request('arm');
      const t = await repo.commit(
        { [`${serviceName(target)}-dev.properties`]: devProperties(target, i) },
        `parse ${i}`,
      );
      const r = await clients.request<Receipts>('wait', { count: 1, timeoutMs: 10_000 });
      if (r.n < 1) throw new Error(`parse: commit ${i} was not received within 10 s`);
      const after = await server.publishLatency();
      if (i <= 2) continue;
      received.push(r.last - t.startedAt);
      publish.push(((after.sum - before.sum) / Math.max(1, after.count - before.count)) * 1000);
      await sleep(20);
    }
    const serverP50 = median(publish);
    ctx.details.parse = { propsMs, yamlMs, services, serverPublishMs: publish, received };
    ctx.rows.push(
      { scenario: 'parse', metric: 'parse 1 MB .properties (median)', value: propsMs, unit: 'ms' },
      {
        scenario: 'parse',
        metric: 'parse 1 MB multi-document YAML (median)',
        value: yamlMs,
        unit: 'ms',
      },
      {
        scenario: 'parse',
        metric: `one-file .properties publish in server, ${services * 3} documents, p50`,
        value: serverP50,
        unit: 'ms',
        target: '≤ 50 ms',
        pass: serverP50 <= 50,
      },
      {
        scenario: 'parse',
        metric: 'one-file .properties commit → received p99',
        value: quantile(received, 0.99),
        unit: 'ms',
      },
    );
  } finally {
    await clients?.stop();
    await server?.stop();
    await repo.remove();
  }
}

function devProperties(i: number, seq: number): string {
  return `db.host=${serviceName(i)}-dev-db.internal\ndb.pool.max=${10 + (i % 20)}\nbench.seq=${seq}\n`;
}
