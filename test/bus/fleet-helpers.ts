import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bareCloneOf, GitFixture, type FileChanges } from '../helpers/git-fixture.js';
import { freePort, waitFor } from './redis-helpers.js';

/** The compiled CLI, as `hotconf serve` runs in production. */
const MAIN = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../server/src/cli/main.js',
);

/** The parts of `/v1/status` the bus tests read. */
export interface FleetStatus {
  replica: string;
  repository: { labels: Record<string, string> };
  bus: {
    url: string | null;
    channel?: string;
    state: 'up' | 'down' | 'off';
    lastError: string | null;
    lastRemoteChange?: { replica: string; refs: string[]; at: string } | null;
  };
  replicas: {
    id: string;
    self: boolean;
    head: string | null;
    heads: Record<string, string>;
    seenAt: string;
  }[];
  converged: boolean;
}

export interface ReplicaOptions {
  id: string;
  /** `file://` URL of the bare remote. */
  repo: string;
  cacheDir: string;
  busUrl: string;
  /** Seconds between fetches. */
  pollInterval: number;
}

/** One `hotconf serve` process on loopback, as a replica in a fleet. */
export class Replica {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly options: ReplicaOptions,
    readonly port: number,
  ) {}

  /** Starts a replica on a free port and waits until `/ready` says yes. */
  static async start(options: ReplicaOptions): Promise<Replica> {
    const replica = new Replica(options, await freePort());
    await replica.restart();
    return replica;
  }

  get id(): string {
    return this.options.id;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The process's recent output, for failure messages. */
  get logs(): string {
    return this.output;
  }

  /** (Re)starts the process on the same port and cache dir and waits for `/ready`. */
  async restart(): Promise<void> {
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('HOTCONF_')),
    );
    Object.assign(env, {
      HOTCONF_REPO: this.options.repo,
      HOTCONF_CACHE_DIR: this.options.cacheDir,
      HOTCONF_POLL_INTERVAL: String(this.options.pollInterval),
      HOTCONF_BUS_URL: this.options.busUrl,
      HOTCONF_REPLICA_ID: this.options.id,
      HOTCONF_PORT: String(this.port),
      HOTCONF_LOG_LEVEL: 'warn',
    });
    const child = spawn(process.execPath, [MAIN, 'serve'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-8000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await waitFor(
      `replica ${this.id} to be ready`,
      async () => {
        if (child.exitCode !== null)
          throw new Error(`replica ${this.id} exited with ${child.exitCode}: ${this.output}`);
        const res = await fetch(`${this.url}/ready`).catch(() => undefined);
        return res?.status === 200;
      },
      15_000,
      50,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.output}`);
    });
  }

  /** Kills the process (SIGKILL: a crash, no goodbye) and waits for it to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
      return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  async status(): Promise<FleetStatus> {
    const res = await fetch(`${this.url}/v1/status`);
    if (res.status !== 200) throw new Error(`GET /v1/status on ${this.id} answered ${res.status}`);
    return (await res.json()) as FleetStatus;
  }

  /** A GitHub push webhook for `main`, unsigned; resolves with the HTTP status. */
  async webhook(): Promise<number> {
    const res = await fetch(`${this.url}/v1/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-GitHub-Event': 'push' },
      body: JSON.stringify({ ref: 'refs/heads/main' }),
    });
    await res.arrayBuffer();
    return res.status;
  }
}

/** A working repository, its bare remote, and replicas serving the remote. */
export class Fleet {
  private constructor(
    readonly work: GitFixture,
    readonly remote: GitFixture,
    readonly replicas: Replica[],
    private readonly cacheRoot: string,
  ) {}

  /** Creates the repositories and starts `ids.length` replicas in parallel. */
  static async start(
    files: FileChanges,
    ids: string[],
    options: { busUrl: string; pollInterval: number },
  ): Promise<Fleet> {
    const work = await GitFixture.create(files);
    const remote = await bareCloneOf(work);
    const cacheRoot = await mkdtemp(path.join(os.tmpdir(), 'hotconf-fleet-'));
    const replicas: Replica[] = [];
    const fleet = new Fleet(work, remote, replicas, cacheRoot);
    try {
      const started = await Promise.allSettled(
        ids.map((id) =>
          Replica.start({
            id,
            repo: pathToFileURL(remote.dir).href,
            cacheDir: path.join(cacheRoot, id),
            ...options,
          }),
        ),
      );
      for (const s of started) if (s.status === 'fulfilled') replicas.push(s.value);
      const failure = started.find((s) => s.status === 'rejected');
      if (failure) throw (failure as PromiseRejectedResult).reason;
    } catch (error) {
      await fleet.close();
      throw error;
    }
    return fleet;
  }

  /** The replica at `index` (0-based). */
  replica(index: number): Replica {
    const replica = this.replicas[index];
    if (!replica) throw new Error(`the fleet has no replica ${index}`);
    return replica;
  }

  /** Commits `files` and pushes them to the remote; returns the new commit id. */
  async push(files: FileChanges, message = 'change'): Promise<string> {
    const commit = await this.work.commit(files, message);
    await this.work.git('push', '-q', this.remote.dir, 'main');
    return commit;
  }

  /** Kills every replica and removes the repositories and caches. */
  async close(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.kill()));
    await Promise.all([
      this.work.remove(),
      this.remote.remove(),
      rm(this.cacheRoot, { recursive: true, force: true }),
    ]);
  }
}
