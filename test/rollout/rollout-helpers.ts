import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '../fleet/fleet-helpers.js';
import { request } from '../helpers/server.js';
import { freePort } from '../helpers/spawn-server.js';

const CHILD = fileURLToPath(new URL('./rollout-child.js', import.meta.url));

/** A child process holding SDK instances of orders/prod (see rollout-child.ts). */
export interface RolloutGroup {
  child: ChildProcess;
  ids: string[];
  /** Each instance's `pool.max` and `cfg.cohort` now, by id: `80 canary`. */
  state(): Promise<Map<string, string>>;
  close(): Promise<void>;
  kill(): void;
}

/** Forks `count` SDK clients with ids `${prefix}-0…` and waits until all are welcomed. */
export async function spawnGroup(
  server: string,
  prefix: string,
  count: number,
  throwOn?: string,
): Promise<RolloutGroup> {
  const child = fork(CHILD, [], {
    env: {
      ...process.env,
      HOTCONF_SERVER: server,
      ROLLOUT_PREFIX: prefix,
      ROLLOUT_COUNT: String(count),
      ...(throwOn === undefined ? {} : { ROLLOUT_THROW_ON: throwOn }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // A killed child's IPC channel resets: nothing to report.
  child.on('error', () => undefined);
  const ids = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${prefix}: not ready in 60 s`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${prefix}: exited (${code}) before ready`)));
    child.on('message', (m: { type?: string; ids?: string[] }) => {
      if (m.type !== 'ready') return;
      clearTimeout(timer);
      resolve(m.ids ?? []);
    });
  });
  return {
    child,
    ids,
    state: () =>
      new Promise((resolve) => {
        const on = (m: {
          type?: string;
          state?: { id: string; poolMax: string; cohort: string }[];
        }) => {
          if (m.type !== 'state') return;
          child.off('message', on);
          resolve(new Map((m.state ?? []).map((s) => [s.id, `${s.poolMax} ${s.cohort}`])));
        };
        child.on('message', on);
        child.send({ type: 'state' });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (!child.connected) return resolve();
        child.on('message', (m: { type?: string }) => {
          if (m.type === 'closed') resolve();
        });
        child.send({ type: 'close' });
      }),
    kill: () => {
      child.kill('SIGKILL');
    },
  };
}

/** Every group's instances' `pool.max` and cohort (`80 canary`), merged. */
export async function poolMaxOf(groups: RolloutGroup[]): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  for (const g of groups) for (const [id, v] of await g.state()) all.set(id, v);
  return all;
}

/** The rollout of orders/prod as the server shows it. */
export interface RolloutReply {
  status: string;
  step: number;
  percent: number;
  share: string;
  cohort: string[];
  applied: number;
  failed: number;
  haltReason: string | null;
  events: { at: string; kind: string; message: string }[];
}

export async function rolloutOf(url: string): Promise<RolloutReply | undefined> {
  const reply = await request(`${url}/v1/rollouts/orders/prod`);
  return reply.status === 200 ? (reply.json as unknown as RolloutReply) : undefined;
}

/** A redis-server of our own on a free port (the shared one is never stopped by tests). */
export async function startRedis(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await waitUntil('our redis-server to listen', async () => {
    const open = await fetch(`http://127.0.0.1:${port}`).then(
      () => true,
      (error: { cause?: { code?: string } }) => error.cause?.code !== 'ECONNREFUSED',
    );
    return open;
  });
  return { url: `redis://127.0.0.1:${port}/0`, child };
}
