import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type {
  ClientEventMap,
  HotconfClient,
  HotconfClientError,
  RetryOptions,
} from '@hotconf/client';
import { createServer, type HotconfServer } from '../../server/src/create-server.js';
import { testCacheDir } from '../helpers/server.js';
import { GitFixture } from '../helpers/git-fixture.js';

/** Back-off small enough for tests. */
export const FAST_RETRY: Required<RetryOptions> = {
  minDelayMs: 20,
  maxDelayMs: 200,
  restartDelayMs: 50,
};

/** Resolves with the next `event` payload, or rejects after `timeoutMs`. */
export function nextEvent<T, K extends keyof ClientEventMap<T> & string>(
  client: HotconfClient<T>,
  event: K,
  timeoutMs = 10_000,
): Promise<ClientEventMap<T>[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, listener);
      reject(new Error(`no '${event}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: ClientEventMap<T>[K]): void => {
      clearTimeout(timer);
      client.off(event, listener);
      resolve(payload);
    };
    client.on(event, listener);
  });
}

/**
 * Polls `predicate` every 10 ms until it holds; rejects after `timeoutMs` (generous: a
 * loaded CI machine must not fail a test that only waits).
 */
export async function waitFor(
  predicate: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A port nothing listens on (bound, read, released). */
export async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resources one test created, torn down in `afterEach` in reverse order. */
export class Sandbox {
  private readonly cleanups: (() => Promise<unknown>)[] = [];

  /** A fresh temp directory, removed afterwards. */
  async tempDir(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hotconf-sdk-'));
    this.defer(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  /** A real git repository with `files` committed, removed afterwards. */
  async repo(files: Record<string, string>): Promise<GitFixture> {
    const repo = await GitFixture.create(files);
    this.defer(() => repo.remove());
    return repo;
  }

  /** A real hotconf server on `repo`, listening, closed afterwards. */
  async server(
    repo: GitFixture,
    options: { port?: number; tokensFile?: string } = {},
  ): Promise<HotconfServer> {
    const server = createServer({
      repo: repo.dir,
      port: options.port ?? 0,
      logLevel: process.env.HOTCONF_TEST_LOG ?? 'silent',
      tokensFile: options.tokensFile,
      cacheDir: testCacheDir(),
    });
    this.defer(() => server.close());
    await server.listen();
    return server;
  }

  /** Closes `client` afterwards (close is idempotent, so a test may close it too). */
  track<T>(client: HotconfClient<T>): HotconfClient<T> {
    this.defer(() => client.close());
    return client;
  }

  defer(cleanup: () => Promise<unknown>): void {
    this.cleanups.push(cleanup);
  }

  async dispose(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      await cleanup().catch(() => undefined);
    }
  }
}

/** A logger that keeps what it is told. */
export function captureLogger(): { warn: (message: string) => void; messages: string[] } {
  const messages: string[] = [];
  return { warn: (message: string) => void messages.push(message), messages };
}

/** The error `promise` rejects with; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<HotconfClientError> {
  try {
    await promise;
  } catch (error) {
    return error as HotconfClientError;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Resolves once `client` holds a confirmed live subscription. */
export async function whenConnected<T>(
  client: HotconfClient<T>,
  timeoutMs = 10_000,
): Promise<void> {
  if (!client.connected) await nextEvent(client, 'connected', timeoutMs);
}

/** The orders document most SDK tests serve, as its type and its two files. */
export interface Orders {
  db: { host: string; pool: { max: number; min: number } };
  features: { fast: boolean };
  hosts: string[];
}

export const ORDERS =
  'db:\n  host: db.internal\n  pool:\n    max: 10\nfeatures:\n  fast: false\nhosts: [a, b]\n';
export const ORDERS_DEV = 'db:\n  pool:\n    min: 2\n';
