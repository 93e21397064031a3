import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { startServer } from '../helpers/server.js';
import { AUDIT_KEY, buildAuditRepo, type AuditRepo } from './audit-fixture.js';
import { freePort, ROOT } from './production-helpers.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `hotconf` CLI as a user would, with `env` on top of a clean environment. */
function hotconf(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('HOTCONF_')),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'dist/server/src/cli/main.js'), ...args],
      { env: { ...clean, ...env } },
      (error, stdout, stderr) => {
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
        });
      },
    );
  });
}

describe('hotconf get, history and diff', () => {
  let repo: AuditRepo;
  let server: HotconfServer;
  let env: Record<string, string>;

  before(async () => {
    repo = await buildAuditRepo();
    await repo.fixture.commit(
      {
        'orders-prod.yml':
          'cors:\n  origins: [https://a.example, "https://b.example"]\nbanner: "it\'s live"\ndb:\n  pool-size: 3\n',
      },
      'prod',
      'Ivan <ivan@example.com>',
    );
    server = await startServer({ repo: repo.fixture.dir, encryptKey: AUDIT_KEY });
    env = { HOTCONF_SERVER: server.url };
  });

  after(async () => {
    await server.close();
    await repo.fixture.remove();
  });

  it('get prints the served config as JSON by default, and as YAML, properties or env lines', async () => {
    const json = await hotconf(['get', 'orders', 'dev', '--label', 'v1'], env);
    expect(json.code, json.stderr).to.equal(0);
    expect(JSON.parse(json.stdout)).to.deep.equal({
      db: { host: 'orders-db', password: 'first-pass', pool: { max: 10 } },
      logging: { level: 'info' },
      feature: { x: true },
    });

    const yaml = await hotconf(['get', 'orders', 'dev', '--label', 'v1', '--format', 'yaml'], env);
    expect(yaml.stdout).to.equal(
      'logging:\n  level: info\ndb:\n  host: orders-db\n  password: first-pass\n  pool:\n    max: 10\nfeature:\n  x: true\n',
    );

    const props = await hotconf(
      ['get', 'orders', 'dev', '--label', 'v1', '--format', 'properties'],
      env,
    );
    expect(props.stdout).to.equal(
      'db.host: orders-db\ndb.password: first-pass\ndb.pool.max: 10\nfeature.x: true\nlogging.level: info\n',
    );

    const lines = await hotconf(['get', 'orders', 'prod', '--format', 'env'], env);
    expect(lines.code, lines.stderr).to.equal(0);
    expect(lines.stdout).to.equal(
      [
        "BANNER='it'\\''s live'",
        'CACHE_TTL=30',
        'CORS_ORIGINS_0=https://a.example',
        'CORS_ORIGINS_1=https://b.example',
        'DB_HOST=secret-db.internal',
        'DB_PASSWORD=second-pass',
        'DB_POOLSIZE=3',
        'DB_POOL_MAX=20',
        'LOGGING_LEVEL=debug',
        '',
      ].join('\n'),
    );
  });

  it('history prints each commit that changed the document with its keys', async () => {
    const run = await hotconf([
      'history',
      'orders',
      'default',
      '--limit',
      '2',
      '--server',
      server.url,
    ]);
    expect(run.code, run.stderr).to.equal(0);
    const lines = run.stdout.split('\n');
    expect(lines).to.have.length(5);
    expect(lines[0]).to.match(
      new RegExp(
        `^${repo.c.c7.slice(0, 10)}  \\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z  Grace  debug logging and a cache$`,
      ),
    );
    expect(lines[1]).to.equal('            cache.ttl, logging.level');
    expect(lines[2]).to.match(
      new RegExp(`^${repo.c.c6.slice(0, 10)}  .*  Frank  rotate the password, hide the host$`),
    );
    expect(lines[3]).to.equal('            db.host, db.password, db.pool.max');
    const json = await hotconf(['history', 'orders', 'default', '--json'], env);
    expect(JSON.parse(json.stdout).commits.map((c: { id: string }) => c.id)).to.deep.equal([
      repo.c.c7,
      repo.c.c6,
      repo.c.c1,
    ]);
  });

  it('diff prints added, removed and changed keys with secrets masked', async () => {
    const run = await hotconf(['diff', 'orders', 'dev', '--from', 'v1', '--to', 'main'], env);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.equal(
      [
        '+ cache.ttl: 30',
        '- feature.x: true',
        '~ db.host: "******" -> "******"',
        '~ db.password: "******" -> "******"',
        '~ db.pool.max: 10 -> 20',
        '~ logging.level: "info" -> "debug"',
        '',
      ].join('\n'),
    );
    const same = await hotconf(
      ['diff', 'orders', 'default', '--from', repo.c.c1, '--to', repo.c.c2],
      env,
    );
    expect(same.stdout).to.equal('no difference\n');
  });

  it('says what went wrong: server errors exit 1, usage mistakes exit 2', async () => {
    const unknown = await hotconf(['get', 'shipping', 'dev'], env);
    expect(unknown).to.deep.equal({
      code: 1,
      stdout: '',
      stderr: 'hotconf get: service shipping has no config at label main (HC_SERVICE_NOT_FOUND)\n',
    });
    const label = await hotconf(['diff', 'orders', 'dev', '--from', 'v9', '--to', 'main'], env);
    expect(label.stderr).to.equal('hotconf diff: label v9 does not exist (HC_LABEL_NOT_FOUND)\n');
    expect(label.code).to.equal(1);
    const format = await hotconf(['get', 'orders', 'dev', '--format', 'xml'], env);
    expect(format.code).to.equal(2);
    expect(format.stderr).to.equal(
      'hotconf get: --format must be one of json, yaml, properties, env, got "xml"\n',
    );
    const missing = await hotconf(['diff', 'orders', 'dev', '--from', 'v1'], env);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.equal(
      'hotconf diff: --from and --to are required; usage: hotconf diff <service> <profiles> --from REV --to REV [--json]\n',
    );
    const nothing = await hotconf(['history'], env);
    expect(nothing.code).to.equal(2);
  });

  it('reports an unreachable server or a bad --server without a stack', async () => {
    const port = await freePort();
    const down = await hotconf(['get', 'orders', 'dev', '--server', `http://127.0.0.1:${port}`]);
    expect(down).to.deep.equal({
      code: 1,
      stdout: '',
      stderr: `hotconf get: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n`,
    });
    const bad = await hotconf(['get', 'orders', 'dev', '--server', 'ftp://x']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.equal(
      'hotconf get: --server must be an http:// or https:// URL, got "ftp://x"\n',
    );
  });
});

describe('hotconf get with tokens', () => {
  let fixture: GitFixture;
  let server: HotconfServer;
  let dir: string;

  before(async () => {
    fixture = await GitFixture.create({ 'orders.yml': 'a: 1\n' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'hotconf-cli-'));
    const sha = createHash('sha256').update('cli-token').digest('hex');
    await writeFile(
      path.join(dir, 'tokens.yml'),
      `tokens:\n  - name: cli\n    sha256: ${sha}\n    services: [orders]\n`,
    );
    server = await startServer({ repo: fixture.dir, tokensFile: path.join(dir, 'tokens.yml') });
  });

  after(async () => {
    await server.close();
    await fixture.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends --token or $HOTCONF_TOKEN as a Bearer token', async () => {
    const none = await hotconf(['get', 'orders', 'default', '--server', server.url]);
    expect(none.stderr).to.equal('hotconf get: a valid token is required (HC_UNAUTHORIZED)\n');
    const flag = await hotconf([
      'get',
      'orders',
      'default',
      '--server',
      server.url,
      '--token',
      'cli-token',
    ]);
    expect(JSON.parse(flag.stdout)).to.deep.equal({ a: 1 });
    const fromEnv = await hotconf(['get', 'orders', 'default', '--format', 'env'], {
      HOTCONF_SERVER: server.url,
      HOTCONF_TOKEN: 'cli-token',
    });
    expect(fromEnv.stdout).to.equal('A=1\n');
  });
});
