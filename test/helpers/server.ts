import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import type { ServerMessage } from '@hotconf/client';
import { createServer, type HotconfServer } from '../../server/src/create-server.js';
import type { Settings } from '../../server/src/settings.js';

const cacheDirs: string[] = [];
process.once('exit', () => {
  for (const dir of cacheDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * A cache directory of a test server's own (removed when the test process exits): the
 * default, `./.hotconf`, would let one test's rollout state reach the next test's server.
 */
export function testCacheDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hotconf-test-cache-'));
  cacheDirs.push(dir);
  return dir;
}

/** Starts a server on a free port, quiet unless HOTCONF_TEST_LOGS is set. */
export async function startServer(settings: Partial<Settings>): Promise<HotconfServer> {
  const server = createServer({
    port: 0,
    logLevel: process.env.HOTCONF_TEST_LOGS ? 'debug' : 'silent',
    cacheDir: testCacheDir(),
    ...settings,
  });
  await server.listen();
  return server;
}

/** A response, read whole. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, untyped: tests read arbitrary response shapes. */
  json: any;
}

/** GET (or another method) with the body parsed when it is JSON. */
export async function request(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A real `ws` client that queues what the server sends, for step-by-step assertions. */
export class WatchClient {
  readonly messages: ServerMessage[] = [];
  private waiters: (() => void)[] = [];
  closeCode: number | undefined;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      // The protocol is JSON text frames; a binary frame is a server bug worth failing on.
      if (isBinary) throw new Error('the server sent a binary frame');
      this.messages.push(JSON.parse(data.toString()) as ServerMessage);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        for (const w of this.waiters.splice(0)) w();
        resolve(code);
      }),
    );
  }

  static async open(serverUrl: string, headers: Record<string, string> = {}): Promise<WatchClient> {
    const ws = new WebSocket(`${serverUrl.replace(/^http/, 'ws')}/v1/watch`, { headers });
    const client = new WatchClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  subscribe(
    id: string,
    service: string,
    profiles: string[],
    extra: Record<string, unknown> = {},
  ): void {
    this.send({ type: 'subscribe', id, service, profiles, etag: null, ...extra });
  }

  /** Waits until `count` messages have arrived (in total), or fails after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 5000): Promise<ServerMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      if (this.closeCode !== undefined)
        throw new Error(`socket closed (${this.closeCode}) after ${this.messages.length} messages`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `expected ${count} messages, got ${this.messages.length}: ${JSON.stringify(this.messages.slice(-3)).slice(0, 600)}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.messages;
  }

  /** Waits until a message matching `predicate` has arrived. */
  async waitUntil(
    predicate: (m: ServerMessage) => boolean,
    timeoutMs = 5000,
  ): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      await this.waitFor(this.messages.length + 1, Math.max(1, deadline - Date.now()));
    }
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends a request with the path exactly as given (fetch normalises `..` and `%2e%2e`
 * away, which hides what a hostile client can really send).
 */
export function rawRequest(
  serverUrl: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Reply> {
  const { hostname, port } = new URL(serverUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname, port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers))
            if (typeof v === 'string') headers.set(k, v);
          resolve({ status: res.statusCode ?? 0, headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Waits until the server has seen the repository's refs as they are now and published. */
export async function settle(server: {
  parts:
    { detector: { refresh(): Promise<void> }; publisher: { settled(): Promise<void> } } | undefined;
}): Promise<void> {
  await server.parts?.detector.refresh();
  await server.parts?.publisher.settled();
}
