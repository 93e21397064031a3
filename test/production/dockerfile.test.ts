import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { GitFixture } from '../helpers/git-fixture.js';
import { all, envOf, execForm, parseDockerfile, type Stage } from './dockerfile-parse.js';
import { freePort, ROOT, spawnServe, type ServeProcess } from './production-helpers.js';

/** Runs a HEALTHCHECK command the way Docker would (exec form, the image's env) and returns its exit code. */
function runHealthcheck(command: string[], env: Record<string, string>): Promise<number | null> {
  const [file, ...args] = command as [string, ...string[]];
  return new Promise((resolve) => {
    const child = spawn(file === 'node' ? process.execPath : file, args, {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    child.once('exit', (code) => resolve(code));
  });
}

describe('Dockerfile', () => {
  let stages: Stage[];
  let runtime: Stage;
  let ignore: string[];

  before(async () => {
    stages = parseDockerfile(await readFile(path.join(ROOT, 'Dockerfile'), 'utf8'));
    runtime = stages[stages.length - 1] as Stage;
    ignore = (await readFile(path.join(ROOT, '.dockerignore'), 'utf8'))
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
  });

  it('builds in two stages on the official Node 20 slim image, compiling with npm run build', () => {
    expect(stages.map((s) => [s.from, s.name])).to.deep.equal([
      ['node:20-slim', 'build'],
      ['node:20-slim', undefined],
    ]);
    const build = stages[0] as Stage;
    const runs = all(build, 'RUN').map((r) => r.args);
    expect([runs[0], runs[2], runs.length]).to.deep.equal([
      'npm ci --ignore-scripts',
      'npm run build',
      3,
    ]);
    // The re2 native addon is built here (toolchain only in this stage) and copied over.
    expect(runs[1]).to.include('npm rebuild re2');
  });

  it('installs git, certificates and ssh, production dependencies only, and copies the build', () => {
    const runs = all(runtime, 'RUN').map((r) => r.args);
    const apt = runs.find((r) => r.includes('apt-get install')) ?? '';
    for (const pkg of ['git', 'ca-certificates', 'openssh-client', 'tini'])
      expect(apt.split(' '), pkg).to.include(pkg);
    expect(runs.some((r) => r.startsWith('npm ci --omit=dev --ignore-scripts'))).to.equal(true);
    const copies = all(runtime, 'COPY').map((c) => c.args);
    expect(copies).to.include.members([
      '--from=build /app/dist dist',
      '--from=build /app/client-sdk/dist client-sdk/dist',
      '--from=build /app/node_modules/re2/build/Release/re2.node node_modules/re2/build/Release/re2.node',
      'schemas schemas',
    ]);
  });

  it('runs as a numeric non-root user, exposes 8888, listens on every interface and keeps a cache volume', () => {
    const users = all(runtime, 'USER').map((u) => u.args);
    expect(users).to.have.length(1);
    const uid = (users[0] as string).split(':')[0] as string;
    expect(uid).to.match(/^\d+$/);
    expect(Number(uid)).to.be.greaterThan(0);
    expect(all(runtime, 'EXPOSE').map((e) => e.args)).to.deep.equal(['8888']);
    expect(envOf(runtime)).to.include({
      HOTCONF_HOST: '0.0.0.0',
      HOTCONF_PORT: '8888',
      HOTCONF_CACHE_DIR: '/var/cache/hotconf',
      NODE_ENV: 'production',
    });
    expect(all(runtime, 'VOLUME').map((v) => execForm(v.args))).to.deep.equal([
      ['/var/cache/hotconf'],
    ]);
    expect(execForm(all(runtime, 'ENTRYPOINT')[0]?.args ?? '')).to.deep.equal([
      '/usr/bin/tini',
      '--',
    ]);
  });

  it('copies only paths that exist and that .dockerignore lets through', async () => {
    for (const stage of stages) {
      for (const copy of all(stage, 'COPY')) {
        const parts = copy.args.split(' ').filter((p) => !p.startsWith('--'));
        if (copy.args.includes('--from=')) continue;
        for (const source of parts.slice(0, -1)) {
          await access(path.join(ROOT, source));
          const top = source.split('/')[0] as string;
          expect(ignore, `${source} is ignored`).not.to.include(top);
        }
      }
    }
    for (const kept of ['node_modules', '.git', 'dist', 'test'])
      expect(
        ignore.some((l) => l === kept || l === `**/${kept}`),
        kept,
      ).to.equal(true);
  });

  describe('its CMD, run against the build the tests use', () => {
    let fixture: GitFixture;
    let dir: string;
    let serve: ServeProcess | undefined;
    let env: Record<string, string>;

    beforeEach(async () => {
      fixture = await GitFixture.create({ 'orders.yml': 'db:\n  pool:\n    max: 10\n' });
      dir = await mkdtemp(path.join(os.tmpdir(), 'hotconf-image-'));
      // The image's environment, with the repository, cache and port a test can use.
      env = {
        ...envOf(runtime),
        HOTCONF_REPO: fixture.dir,
        HOTCONF_CACHE_DIR: path.join(dir, 'cache'),
        HOTCONF_PORT: String(await freePort()),
        HOTCONF_LOG_LEVEL: 'info',
        HOTCONF_REPLICA_ID: 'image-test',
      };
    });

    afterEach(async () => {
      if (serve && serve.child.exitCode === null && serve.child.signalCode === null) {
        serve.child.kill('SIGKILL');
        await serve.exited;
      }
      serve = undefined;
      await fixture.remove();
      await rm(dir, { recursive: true, force: true });
    });

    it('is node dist/server/src/cli/main.js serve, present in the build', async () => {
      expect(execForm(all(runtime, 'CMD')[0]?.args ?? '')).to.deep.equal([
        'node',
        'dist/server/src/cli/main.js',
        'serve',
      ]);
      await access(path.join(ROOT, 'dist/server/src/cli/main.js'));
    });

    it('refuses to serve every interface in open mode, saying how to fix it', async () => {
      serve = await spawnServe(execForm(all(runtime, 'CMD')[0]?.args ?? ''), env);
      const { code } = await serve.exited;
      expect(code).to.equal(1);
      expect(serve.stderr()).to.include('refusing to listen on 0.0.0.0 in open mode');
      expect(serve.stderr()).to.include('HOTCONF_TOKENS_FILE');
    });

    it('starts, passes its HEALTHCHECK, and exits 0 within 5 s of SIGTERM', async () => {
      const tokensFile = path.join(dir, 'tokens.yml');
      const sha = createHash('sha256').update('ops-token').digest('hex');
      await writeFile(tokensFile, `tokens:\n  - name: ops\n    sha256: ${sha}\n    admin: true\n`);
      serve = await spawnServe(execForm(all(runtime, 'CMD')[0]?.args ?? ''), {
        ...env,
        HOTCONF_TOKENS_FILE: tokensFile,
      });
      const health = await fetch(`${serve.url}/health`);
      expect(health.status, serve.stderr()).to.equal(200);
      const config = await fetch(`${serve.url}/v1/config/orders/default`, {
        headers: { Authorization: 'Bearer ops-token' },
      });
      expect(await config.json()).to.deep.include({ config: { db: { pool: { max: 10 } } } });

      const healthcheck = all(runtime, 'HEALTHCHECK')[0]?.args ?? '';
      expect(healthcheck).to.match(
        /--interval=\S+ --timeout=\S+ --start-period=\S+ --retries=\d+ CMD \[/,
      );
      const check = execForm(healthcheck);
      expect(check[0]).to.equal('node');
      expect(await runHealthcheck(check, { HOTCONF_PORT: env.HOTCONF_PORT as string })).to.equal(0);

      const sent = performance.now();
      serve.child.kill('SIGTERM');
      const { code, at } = await serve.exited;
      expect(code).to.equal(0);
      expect(at - sent).to.be.lessThan(5000);
      const lines = serve
        .stdout()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.find((l) => l.msg === 'hotconf is serving')).to.include({
        replica: 'image-test',
      });
      expect(lines.find((l) => l.msg === 'shutting down')).to.include({ signal: 'SIGTERM' });
      expect(await runHealthcheck(check, { HOTCONF_PORT: env.HOTCONF_PORT as string })).to.equal(1);
    });
  });
});
