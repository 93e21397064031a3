import { BenchRepo, bigYaml } from '../lib/config-repo.js';
import type { Child } from '../lib/ipc.js';
import { median, sleep, writtenBy } from '../lib/measure.js';
import {
  connectClients,
  forkChild,
  startHotconf,
  subscribeFrame,
  type BenchContext,
  type Receipts,
} from './context.js';

/** One mode's pushes: per change, time to the last subscriber and bytes. */
interface Mode {
  toLastMs: number[];
  /** Frame bytes received by all subscribers together (WebSocket payloads). */
  frameBytes: number[];
  /** Bytes the server process wrote (wchar) during the push: payloads, framing, logs. */
  serverWritten: number[];
  types: Record<string, number>;
}

/**
 * Scenario 7: a ~1 MB document changed by one key, pushed to N subscribers — first
 * subscribers without `patch` (whole `change` frames), then with `patch: true`
 * (RFC 7386 merge patch against the etag they hold).
 */
export async function largeScenario(ctx: BenchContext): Promise<void> {
  const { opts } = ctx;
  const n = opts.largeSubscribers;
  let seq = 0;
  const repo = await BenchRepo.create('large', {
    'application.yml': 'logging:\n  level: info\n',
    'big.yml': bigYaml(seq, opts.largeBytes),
    'schemas/big.schema.json': JSON.stringify({
      type: 'object',
      required: ['entries'],
      properties: { bench: { type: 'object', properties: { seq: { type: 'integer' } } } },
    }),
  });
  const server = await startHotconf(ctx, repo.dir, 'large');
  let clients: Child | undefined;
  try {
    const docBytes = (await server.get('/big-default.json')).length;
    const modes: Record<string, Mode> = {};
    for (const patch of [false, true]) {
      const name = patch ? 'patch' : 'full';
      clients = await forkChild('ws-clients');
      ctx.log(
        `large: ${n} subscribers (${name}) to a ${(docBytes / 2 ** 20).toFixed(2)} MiB document`,
      );
      await connectClients(clients, server.wsUrl, n, subscribeFrame('big', ['default'], patch));
      const mode: Mode = { toLastMs: [], frameBytes: [], serverWritten: [], types: {} };
      for (let i = 0; i < opts.largeChanges; i++) {
        await clients.request('arm');
        const w0 = await writtenBy(server.pid);
        const t = await repo.commit({ 'big.yml': bigYaml(++seq, opts.largeBytes) }, `large ${seq}`);
        const r = await clients.request<Receipts>('wait', { count: n, timeoutMs: 120_000 });
        if (r.n < n) throw new Error(`large: only ${r.n} of ${n} subscribers got the change`);
        mode.serverWritten.push((await writtenBy(server.pid)) - w0);
        mode.toLastMs.push(r.last - t.startedAt);
        mode.frameBytes.push(r.bytes);
        for (const [k, v] of Object.entries(r.types)) mode.types[k] = (mode.types[k] ?? 0) + v;
        await sleep(300);
      }
      modes[name] = mode;
      await clients.stop();
      clients = undefined;
    }
    const full = modes.full as Mode;
    const patch = modes.patch as Mode;
    const fullBytes = median(full.frameBytes) / n;
    const patchBytes = median(patch.frameBytes) / n;
    const share = patchBytes / fullBytes;
    ctx.details.large = { documentBytes: docBytes, subscribers: n, full, patch };
    ctx.rows.push(
      {
        scenario: 'large',
        metric: `bytes per subscriber per change (${(docBytes / 2 ** 20).toFixed(2)} MiB doc)`,
        value: patchBytes,
        unit: 'B',
        baseline: { name: 'whole change', value: fullBytes },
        ratio: share,
        target: '≤ 2 % of full',
        pass: share <= 0.02,
      },
      {
        scenario: 'large',
        metric: `commit → last of ${n}, patch`,
        value: median(patch.toLastMs),
        unit: 'ms',
      },
      {
        scenario: 'large',
        metric: `commit → last of ${n}, whole change`,
        value: median(full.toLastMs),
        unit: 'ms',
      },
      {
        scenario: 'large',
        metric: 'server bytes written per change, patch',
        value: median(patch.serverWritten) / 1024,
        unit: 'kB',
        baseline: { name: 'whole change', value: median(full.serverWritten) / 1024 },
      },
    );
  } finally {
    await clients?.stop();
    await server.stop();
    await repo.remove();
  }
}
