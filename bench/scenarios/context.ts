import path from 'node:path';
import type { ClientGroup } from '../lib/client-group.js';
import { Child } from '../lib/ipc.js';
import { HotconfProcess } from '../lib/hotconf-process.js';
import type { BenchOptions } from '../options.js';
import type { Row } from '../report.js';

/** What every scenario gets from the driver. */
export interface BenchContext {
  opts: BenchOptions;
  log(message: string): void;
  /** Adds table rows; `details` keeps raw figures for latest.json. */
  rows: Row[];
  details: Record<string, unknown>;
}

/** A forked benchmark child by module name (bench/children/<name>.ts). */
export function forkChild(name: string, args: string[] = []): Promise<Child> {
  return Child.fork(new URL(`../children/${name}.js`, import.meta.url), args, [
    '--max-old-space-size=4096',
  ]);
}

/** Starts hotconf on `repo` with the run's log level and, with --cpu-prof, a profile named `tag`. */
export function startHotconf(
  ctx: BenchContext,
  repo: string,
  tag: string,
): Promise<HotconfProcess> {
  const cpuProfDir = ctx.opts.cpuProf
    ? path.join(path.dirname(ctx.opts.out), 'profiles')
    : undefined;
  return HotconfProcess.start({
    repo,
    logLevel: ctx.opts.logLevel,
    tag,
    ...(cpuProfDir ? { cpuProfDir } : {}),
  });
}

/** Figures the ws-clients child returns for one push. */
export type { Receipts } from '../lib/client-group.js';

/** The ws-clients child's answer to `connect`. */
export interface Connected {
  connections: number;
  ms: number;
  errors: number;
  firstError?: string;
  firstFrame?: string;
}

/** Connects `count` subscribers and fails loudly if any could not. */
export async function connectClients(
  clients: Child,
  url: string,
  count: number,
  subscribe: Record<string, unknown>,
): Promise<Connected> {
  const c = await clients.request<Connected>('connect', { url, count, subscribe });
  if (c.errors > 0)
    throw new Error(`${c.errors} of ${count} WebSocket clients could not connect: ${c.firstError}`);
  return c;
}

/** Connects `count` subscribers spread over a group's processes; fails loudly if any could not. */
export async function connectGroup(
  group: ClientGroup,
  url: string,
  count: number,
  subscribe: Record<string, unknown>,
): Promise<Connected> {
  const all = await group.all<Connected>('connect', (i) => ({
    url,
    count: group.share(count, i).count,
    subscribe,
  }));
  const errors = all.reduce((sum, c) => sum + c.errors, 0);
  if (errors > 0)
    throw new Error(
      `${errors} of ${count} WebSocket clients could not connect: ${all.find((c) => c.firstError)?.firstError}`,
    );
  return {
    connections: all.reduce((sum, c) => sum + c.connections, 0),
    ms: Math.max(...all.map((c) => c.ms)),
    errors,
    ...(all[0]?.firstFrame ? { firstFrame: all[0].firstFrame } : {}),
  };
}

export function subscribeFrame(
  service: string,
  profiles: string[],
  patch = false,
): Record<string, unknown> {
  return {
    type: 'subscribe',
    id: 's1',
    service,
    profiles,
    label: null,
    etag: null,
    ...(patch ? { patch: true } : {}),
  };
}
