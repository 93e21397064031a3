import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';

/** The Redis the bus tests use: `REDIS_URL`, or the build machines' loopback one. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A free TCP port on loopback (free when asked; tests use it at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** PING once; resolves with the error message, or undefined when Redis answered PONG. */
export async function pingRedis(url: string, timeoutMs = 2000): Promise<string | undefined> {
  const client = new Redis(url, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
  });
  let cause: string | undefined;
  client.on('error', (error: Error) => (cause ??= error.message));
  try {
    await client.connect();
    const reply = await client.ping();
    return reply === 'PONG' ? undefined : `answered ${reply}`;
  } catch (error) {
    return cause ?? (error as Error).message;
  } finally {
    client.disconnect();
  }
}

/**
 * Fails (never skips) when no Redis answers: the bus tests are worthless without one.
 * @throws Error saying where Redis was expected and how to provide one.
 */
export async function requireRedis(url = REDIS_URL): Promise<void> {
  const problem = await pingRedis(url);
  if (problem !== undefined) {
    throw new Error(
      `the bus tests need a real Redis, and none answers at ${url} (${problem}). ` +
        'Run .ci/redis.sh to start one on 127.0.0.1:6379, or set REDIS_URL.',
    );
  }
}

/** `url` with its database number replaced by `db`. */
export function withDb(url: string, db: number): string {
  const parsed = new URL(url);
  parsed.pathname = `/${db}`;
  return parsed.href;
}

/** Resolves once `check` returns true; rejects after `timeoutMs` naming `what`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A redis-server of the test's own, as a child process on a port of its own, so a test
 * can stop and restart it without touching the machine's shared Redis.
 */
export class RedisProcess {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server and waits until it answers PING. */
  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    child.stdout?.on(
      'data',
      (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-4000)),
    );
    child.stderr?.on(
      'data',
      (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-4000)),
    );
    const spawnError = new Promise<string>((resolve) =>
      child.once('error', (e) => resolve(e.message)),
    );
    const ready = waitFor(
      `redis-server on port ${this.port}`,
      async () => (await pingRedis(this.url, 500)) === undefined,
      5000,
      50,
    );
    const failed = await Promise.race([
      ready.then(() => undefined),
      spawnError,
      ready.catch((e: Error) => e.message),
    ]);
    if (failed !== undefined) {
      await this.stop();
      throw new Error(
        `could not start redis-server on port ${this.port} (${failed}); is the redis-server package installed? ${this.output}`,
      );
    }
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the server: connections stay open but go silent. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.child?.kill(signal);
  }

  /** Stops it and waits for the process to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
      return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }
}
