import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, rssOf, sleep, wallNow } from './measure.js';

/** The built CLI, as `npm start` runs it. */
const MAIN_JS = fileURLToPath(new URL('../../server/src/cli/main.js', import.meta.url));

export interface HotconfProcessOptions {
  repo: string;
  /** pino level; `info` (the shipped default) logs a line per request. */
  logLevel: string;
  /** Write a V8 CPU profile of the server into this folder (named after `tag`). */
  cpuProfDir?: string;
  tag: string;
  /** Extra HOTCONF_* variables. */
  env?: Record<string, string>;
}

/**
 * `hotconf serve` in its own process, as a user runs it, on 127.0.0.1 and a free port:
 * the load generator and the clients never share its event loop.
 */
export class HotconfProcess {
  private exited = false;
  private stderr = '';

  private constructor(
    private readonly proc: ChildProcess,
    readonly url: string,
    private readonly cacheDir: string,
    /** Spawn → first 200 from /ready, ms. */
    public coldStartMs = NaN,
  ) {
    proc.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    proc.on('exit', () => {
      this.exited = true;
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  get wsUrl(): string {
    return `${this.url.replace(/^http/, 'ws')}/v1/watch`;
  }

  /** Spawns the server and resolves once `/ready` answers 200 (cold start measured). */
  static async start(
    opts: HotconfProcessOptions,
    readyTimeoutMs = 120_000,
  ): Promise<HotconfProcess> {
    const port = await freePort();
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'hotconf-bench-cache-'));
    const execArgv: string[] = [];
    if (opts.cpuProfDir) {
      await mkdir(opts.cpuProfDir, { recursive: true });
      execArgv.push(
        '--cpu-prof',
        '--cpu-prof-dir',
        opts.cpuProfDir,
        '--cpu-prof-name',
        `${opts.tag}-${Date.now()}.cpuprofile`,
      );
    }
    const started = wallNow();
    const proc = spawn(process.execPath, [...execArgv, MAIN_JS, 'serve'], {
      env: {
        ...process.env,
        HOTCONF_REPO: opts.repo,
        HOTCONF_HOST: '127.0.0.1',
        HOTCONF_PORT: String(port),
        HOTCONF_CACHE_DIR: cacheDir,
        HOTCONF_LOG_LEVEL: opts.logLevel,
        HOTCONF_TOKENS_FILE: '',
        HOTCONF_BUS_URL: '',
        ...opts.env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const server = new HotconfProcess(proc, `http://127.0.0.1:${port}`, cacheDir);
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (server.exited) throw new Error(`hotconf exited during start-up: ${server.stderr.trim()}`);
      try {
        const res = await fetch(`${server.url}/ready`);
        await res.arrayBuffer();
        if (res.status === 200) {
          server.coldStartMs = wallNow() - started;
          return server;
        }
      } catch {
        // not listening yet
      }
      await sleep(5);
    }
    await server.stop();
    throw new Error(`hotconf was not ready within ${readyTimeoutMs} ms: ${server.stderr.trim()}`);
  }

  rss(): Promise<number> {
    return rssOf(this.pid);
  }

  /** GETs a path and returns its body bytes (throws on a non-200). */
  async get(pathAndQuery: string): Promise<Buffer> {
    const res = await fetch(this.url + pathAndQuery);
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200)
      throw new Error(`GET ${pathAndQuery}: ${res.status} ${body.toString().slice(0, 200)}`);
    return body;
  }

  /** `hotconf_publish_latency_seconds` so far: commit first seen → frames written. */
  async publishLatency(): Promise<{ sum: number; count: number }> {
    const text = (await this.get('/metrics')).toString();
    const sum = Number(
      /^hotconf_publish_latency_seconds_sum(?:\{[^}]*\})? (\S+)/m.exec(text)?.[1] ?? NaN,
    );
    const count = Number(
      /^hotconf_publish_latency_seconds_count(?:\{[^}]*\})? (\S+)/m.exec(text)?.[1] ?? NaN,
    );
    return { sum, count };
  }

  /** SIGTERM (graceful: the CPU profile, if any, is written), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    if (!this.exited) {
      const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
      this.proc.kill('SIGTERM');
      const hard = setTimeout(() => this.proc.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(hard);
    }
    await rm(this.cacheDir, { recursive: true, force: true });
  }
}
