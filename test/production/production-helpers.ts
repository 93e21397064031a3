import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { Logger } from '../../server/src/logger.js';

/** A JSON Schema for `orders`: the pool size must be an integer from 1 to 500. */
export const ORDERS_SCHEMA = JSON.stringify({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    db: {
      type: 'object',
      properties: {
        pool: {
          type: 'object',
          properties: { max: { type: 'integer', minimum: 1, maximum: 500 } },
        },
      },
    },
  },
});

/** Retries `check` until it stops throwing, or rethrows its last error after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** A real pino logger writing JSON lines into memory, parsed on demand. */
export class CapturedLog {
  readonly text: string[] = [];
  readonly logger: Logger;

  constructor(level = 'info') {
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.text.push(chunk.toString('utf8'));
        done();
      },
    });
    this.logger = pino({ level, base: { replica: 'log-test' } }, sink);
  }

  /** Every line written so far, each parsed as JSON (throws if one is not). */
  lines(): Record<string, unknown>[] {
    return this.text
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** The lines whose `msg` starts with `prefix`. */
  withMessage(prefix: string): Record<string, unknown>[] {
    return this.lines().filter((l) => typeof l.msg === 'string' && l.msg.startsWith(prefix));
  }
}

/** The repository root (tests run from dist/test/production). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A `hotconf serve` running as its own process, the way a container runs it. */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  /** Settles when the process exits: its code and when (performance.now()). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/**
 * Spawns `command` (e.g. the Dockerfile's CMD) from the repository root with `env` on top
 * of a clean environment, and waits until `/health` answers 200 or the process exits.
 */
export async function spawnServe(
  command: string[],
  env: Record<string, string>,
  timeoutMs = 15_000,
): Promise<ServeProcess> {
  const [file, ...args] = command as [string, ...string[]];
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('HOTCONF_')),
  );
  const child = spawn(file === 'node' ? process.execPath : file, args, {
    cwd: ROOT,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  const url = `http://127.0.0.1:${env.HOTCONF_PORT}`;
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  while (!gone && Date.now() < deadline) {
    const ok = await fetch(`${url}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, url, stdout: () => out, stderr: () => err, exited };
}
