import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Polls an async `predicate` every 50 ms until it holds; fails after `timeoutMs` naming `what`. */
export async function waitUntil(
  what: string,
  predicate: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const CHILD = fileURLToPath(new URL('./sdk-child.js', import.meta.url));

/** A child process holding several SDK instances (see sdk-child.ts). */
export interface InstanceGroup {
  child: ChildProcess;
  ids: string[];
  /** Closes every client cleanly (close frame 1000) and waits for the process to say so. */
  close(): Promise<void>;
  /** SIGKILL: no close frame, sockets dropped by the kernel. */
  kill(): void;
}

/** Forks a process with `count` SDK clients, ids `${prefix}-0…`, and waits until all are welcomed. */
export async function spawnInstances(
  server: string,
  prefix: string,
  count: number,
  options: { services?: string[]; throwFor?: string } = {},
): Promise<InstanceGroup> {
  const child = fork(CHILD, [], {
    env: {
      ...process.env,
      HOTCONF_SERVER: server,
      FLEET_PREFIX: prefix,
      FLEET_COUNT: String(count),
      FLEET_SERVICES: (options.services ?? ['orders']).join(','),
      ...(options.throwFor ? { FLEET_THROW: options.throwFor } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
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
