import { createHash } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { WebSocket, type RawData } from 'ws';
import type { Logger } from '../../server/src/logger.js';
import { createServer, type HotconfServer } from '../../server/src/create-server.js';
import { testCacheDir } from '../helpers/server.js';
import type { Settings } from '../../server/src/settings.js';
import { GitFixture } from '../helpers/git-fixture.js';

/** Tokens the tests present; the file holds only their hashes. */
export const TOKENS = {
  orders: 'orders-token-3f9a1c',
  billing: 'billing-token-77e2b0',
  ops: 'ops-admin-token-c41d',
} as const;

/** A base64 AES-256 key (32 bytes) for tests. */
export const TEST_KEY = Buffer.alloc(32, 7).toString('base64');

export const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

/** One entry as the token file lists it. */
export interface TokenLine {
  name: string;
  token: string;
  services?: string[];
  admin?: boolean;
}

/** The YAML text of a token file. */
export function tokenFileText(entries: TokenLine[]): string {
  const lines = ['tokens:'];
  for (const e of entries) {
    lines.push(`  - name: ${e.name}`, `    sha256: ${sha256(e.token)}`);
    if (e.services)
      lines.push(`    services: [${e.services.map((s) => JSON.stringify(s)).join(', ')}]`);
    if (e.admin) lines.push('    admin: true');
  }
  return `${lines.join('\n')}\n`;
}

/** The usual policy: orders reads `orders` and `orders-*`, billing reads `billing`, ops is admin. */
export const STANDARD_TOKENS: TokenLine[] = [
  { name: 'orders-service', token: TOKENS.orders, services: ['orders', 'orders-*'] },
  { name: 'billing-service', token: TOKENS.billing, services: ['billing'] },
  { name: 'ops', token: TOKENS.ops, admin: true },
];

/** The usual repository: two services, a shared file, dev profiles. */
export const STANDARD_FILES = {
  'application.yml': 'shared:\n  region: eu\n',
  'orders.yml': 'db:\n  host: orders-db\n  pool: 5\n',
  'orders-dev.yml': 'db:\n  pool: 2\n',
  'orders-audit.yml': 'retention: 30\n',
  'billing.yml': 'currency: EUR\n',
};

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
export const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

/** Polls `check` every 20 ms until it resolves truthy; rejects after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 8000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resources of one test, torn down in reverse order in `afterEach`. */
export class Sandbox {
  private readonly cleanups: (() => Promise<unknown>)[] = [];

  defer(cleanup: () => Promise<unknown>): void {
    this.cleanups.push(cleanup);
  }

  async dispose(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  }

  async tempDir(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hotconf-access-'));
    this.defer(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  async repo(files: Record<string, string> = STANDARD_FILES): Promise<GitFixture> {
    const repo = await GitFixture.create(files);
    this.defer(() => repo.remove());
    return repo;
  }

  /** A token file with `entries`, in a fresh temp dir. */
  async tokenFile(entries: TokenLine[] = STANDARD_TOKENS): Promise<string> {
    const file = path.join(await this.tempDir(), 'tokens.yml');
    await writeFile(file, tokenFileText(entries));
    return file;
  }

  /** A listening server on `repo`, closed afterwards. */
  async server(
    repo: GitFixture,
    settings: Partial<Settings> & { logger?: Logger } = {},
  ): Promise<HotconfServer> {
    const server = createServer({
      repo: repo.dir,
      port: 0,
      logLevel: 'silent',
      cacheDir: testCacheDir(),
      ...settings,
    });
    this.defer(() => server.close());
    await server.listen();
    return server;
  }

  /** A WebSocket to `/v1/watch`, terminated afterwards. */
  socket(server: HotconfServer, headers: Record<string, string> = {}): WatchSocket {
    const ws = new WatchSocket(`${server.url.replace('http', 'ws')}/v1/watch`, headers);
    this.defer(async () => ws.ws.terminate());
    return ws;
  }
}

/** Replaces a file the way editors do: write a temp file, then rename over. */
export async function replaceFile(file: string, text: string): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`;
  await writeFile(temp, text);
  await rename(temp, file);
}

/** A ws client that queues frames so a test can await the next one. */
export class WatchSocket {
  readonly ws: WebSocket;
  readonly frames: Record<string, unknown>[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: (() => void)[] = [];

  constructor(url: string, headers: Record<string, string>) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('message', (data: RawData) => {
      this.frames.push(JSON.parse(data.toString()) as Record<string, unknown>);
      this.wake();
    });
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    this.ws.on('error', () => undefined);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when open; rejects with the HTTP status when the upgrade is refused. */
  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          reject(
            Object.assign(new Error(`upgrade refused: ${res.statusCode}`), {
              status: res.statusCode,
              body,
            }),
          ),
        );
      });
    });
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The first queued frame matching `predicate`, removed from the queue. */
  async next(
    predicate: (f: Record<string, unknown>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex(predicate);
      if (i >= 0) return this.frames.splice(i, 1)[0] as Record<string, unknown>;
      if (Date.now() > deadline)
        throw new Error(
          `no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`,
        );
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Resolves with the close code and reason. */
  async closedWith(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    await waitFor(() => this.closed !== undefined, 'the socket to close', timeoutMs);
    return this.closed as { code: number; reason: string };
  }
}

/** A pino logger whose lines the test can read. */
export function captureLogger(): { logger: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines, text: () => lines.join('') };
}
