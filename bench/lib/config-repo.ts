import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { wallNow } from './measure.js';

const run = promisify(execFile);

/** Identity and settings for every git call, so a user's global config changes nothing. */
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

/** What one timed `git commit` took, in wall-clock ms (see `wallNow`). */
export interface CommitTiming {
  /** Just before `git commit` was spawned: the start of every push-latency figure. */
  startedAt: number;
  /** When `git commit` returned. */
  endedAt: number;
}

/** A git repository in a temp folder that the benchmark commits to. */
export class BenchRepo {
  private constructor(readonly dir: string) {}

  /** Creates a repository holding `files` (path → text) in one commit on `main`. */
  static async create(name: string, files: Record<string, string>): Promise<BenchRepo> {
    const dir = await mkdtemp(path.join(os.tmpdir(), `hotconf-bench-${name}-`));
    const repo = new BenchRepo(dir);
    await repo.git('init', '-q', '-b', 'main');
    await repo.write(files);
    await repo.git('add', '-A');
    await repo.git('commit', '-q', '-m', 'initial');
    return repo;
  }

  git(...args: string[]): Promise<{ stdout: string }> {
    return run('git', ['-c', 'commit.gpgsign=false', ...args], {
      cwd: this.dir,
      env: GIT_ENV,
      maxBuffer: 64 << 20,
    });
  }

  /** Writes files into the working tree (not committed). */
  async write(files: Record<string, string>): Promise<void> {
    for (const [file, text] of Object.entries(files)) {
      const full = path.join(this.dir, file);
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, text);
    }
  }

  /**
   * Writes `files`, then times `git commit -a` alone: the working tree is not watched,
   * so writing first does not start the clock early.
   */
  async commit(files: Record<string, string>, message: string): Promise<CommitTiming> {
    await this.write(files);
    const startedAt = wallNow();
    await this.git('commit', '-a', '-q', '-m', message);
    return { startedAt, endedAt: wallNow() };
  }

  async head(): Promise<string> {
    return (await this.git('rev-parse', 'HEAD')).stdout.trim();
  }

  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * `orders.yml`: a plausible service document whose merged JSON is about `bytes` long, with
 * `bench.seq` as the one key each timed commit changes.
 */
export function ordersYaml(seq: number, bytes = 1800): string {
  const head = [
    'server:',
    '  port: 8081',
    'db:',
    '  host: orders-db.internal',
    '  port: 5432',
    '  name: orders',
    '  pool:',
    '    max: 20',
    '    idleTimeoutMs: 30000',
    'kafka:',
    '  brokers: [kafka-0.kafka.internal:9092, kafka-1.kafka.internal:9092]',
    '  clientId: orders',
    'features:',
  ];
  // Each flag adds about 44 bytes of JSON; add them until the document is ~`bytes`.
  const flags: string[] = [];
  for (let i = 0; 320 + flags.length * 44 < bytes; i++)
    flags.push(`  flag${String(i).padStart(2, '0')}: {enabled: ${i % 2 === 0}, rollout: ${i * 3}}`);
  return [...head, ...flags, 'bench:', `  seq: ${seq}`, ''].join('\n');
}

const ORDERS_SCHEMA = JSON.stringify({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['server', 'db'],
  properties: {
    server: { type: 'object', properties: { port: { type: 'integer' } } },
    db: { type: 'object', properties: { port: { type: 'integer' }, pool: { type: 'object' } } },
    bench: { type: 'object', properties: { seq: { type: 'integer' } } },
  },
});

/** The small repository: application files plus `orders` (~2 kB) with a schema. */
export function smallRepoFiles(): Record<string, string> {
  return {
    'application.yml': 'logging:\n  level: info\n',
    'application-dev.yml': 'logging:\n  level: debug\n',
    'orders.yml': ordersYaml(0),
    'orders-dev.yml': 'db:\n  host: localhost\n',
    'schemas/orders.schema.json': ORDERS_SCHEMA,
  };
}

/** Service names of the scale repository: `svc-0000` … */
export function serviceName(i: number): string {
  return `svc-${String(i).padStart(4, '0')}`;
}

/** A service's `{svc}-{profile}.yml` with `bench.seq`. */
export function serviceProfileYaml(i: number, profile: string, seq: number): string {
  return `db:\n  host: ${serviceName(i)}-${profile}-db.internal\n  pool:\n    max: ${10 + (i % 20)}\nbench:\n  seq: ${seq}\n`;
}

/**
 * The scale repository (issue 8 §6): `services` × (default, dev, prod) — application.yml,
 * application-dev/prod.yml, {svc}.yml, {svc}-dev.yml, {svc}-prod.yml, schemas/{svc}.schema.json.
 */
export function scaleRepoFiles(services: number): Record<string, string> {
  const files: Record<string, string> = {
    'application.yml': 'logging:\n  level: info\nmanagement:\n  port: 9000\n',
    'application-dev.yml': 'logging:\n  level: debug\n',
    'application-prod.yml': 'logging:\n  level: warn\n',
  };
  const schema = JSON.stringify({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    required: ['server', 'db'],
    properties: {
      server: {
        type: 'object',
        properties: { port: { type: 'integer', minimum: 1, maximum: 65535 } },
      },
      db: {
        type: 'object',
        properties: {
          host: { type: 'string' },
          pool: { type: 'object', properties: { max: { type: 'integer', minimum: 1 } } },
        },
      },
      features: { type: 'object', additionalProperties: { type: 'boolean' } },
    },
  });
  for (let i = 0; i < services; i++) {
    const svc = serviceName(i);
    files[`${svc}.yml`] =
      `server:\n  port: ${8000 + (i % 1000)}\ndb:\n  host: ${svc}-db.internal\n  pool:\n    max: 10\nfeatures:\n  a: true\n  b: false\n  c: ${i % 2 === 0}\n`;
    files[`${svc}-dev.yml`] = serviceProfileYaml(i, 'dev', 0);
    files[`${svc}-prod.yml`] = serviceProfileYaml(i, 'prod', 0);
    files[`schemas/${svc}.schema.json`] = schema;
  }
  return files;
}

/** `big.yml`: YAML whose merged JSON is about `bytes` long, `bench.seq` the key that changes. */
export function bigYaml(seq: number, bytes: number): string {
  const lines = ['entries:'];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const key = `key${String(i).padStart(6, '0')}`;
    const entry = {
      name: `entry-${i}`,
      owner: `team-${i % 37}`,
      value: (i * 7919) % 100000,
      note: `lorem ipsum dolor sit amet ${i}`,
    };
    lines.push(
      `  ${key}: {name: ${entry.name}, owner: ${entry.owner}, value: ${entry.value}, note: "${entry.note}"}`,
    );
    size += key.length + 4 + JSON.stringify(entry).length;
  }
  lines.push('bench:', `  seq: ${seq}`, '');
  return lines.join('\n');
}
