import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { FAST_RETRY, Sandbox, unusedPort, waitFor } from './sdk-helpers.js';

/** Repository root (tests run from dist/test/sdk). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Ms from the child printing `closed` to its exit. */
  exitAfterCloseMs: number | undefined;
}

/**
 * Runs `source` as an ES module in a child node, from the repository root so
 * `@hotconf/client` resolves as a service's would. Kills it after `limitMs`.
 */
function runModule(source: string, env: Record<string, string>, limitMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let closedAt: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (closedAt === undefined && /^closed$/m.test(stdout)) closedAt = Date.now();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        exitAfterCloseMs: closedAt === undefined ? undefined : Date.now() - closedAt,
      });
    });
  });
}

const CHILD = `
import { connect } from '@hotconf/client';
const cfg = await connect({
  server: process.env.SERVER, service: 'orders', cacheFile: process.env.CACHE_FILE || undefined,
  bootTimeoutMs: Number(process.env.BOOT_TIMEOUT), retry: ${JSON.stringify(FAST_RETRY)},
  logger: { warn: () => {} },
});
if (process.env.WAIT_CONNECTED) await new Promise((resolve) => cfg.once('connected', resolve));
console.log('value ' + cfg.get('db.pool.max') + (cfg.stale ? ' stale' : ''));
await cfg.close();
await cfg.close();
console.log('closed');
// No process.exit: the test checks that nothing is left to keep the process alive.
`;

describe('HotconfClient lifecycle', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = new Sandbox();
  });
  afterEach(() => sb.dispose());

  describe('#close', () => {
    it('leaves the event loop empty after a live session: the process exits by itself', async () => {
      const repo = await sb.repo({ 'orders.yml': 'db:\n  pool:\n    max: 10\n' });
      const server = await sb.server(repo);
      const cacheFile = path.join(await sb.tempDir(), 'orders.json');
      const run = await runModule(
        CHILD,
        { SERVER: server.url, CACHE_FILE: cacheFile, BOOT_TIMEOUT: '5000', WAIT_CONNECTED: '1' },
        8000,
      );
      expect(run.stderr).to.equal('');
      expect(run.stdout).to.equal('value 10\nclosed\n');
      expect([run.code, run.signal]).to.deep.equal([0, null]);
      expect(run.exitAfterCloseMs).to.be.below(1000);
    });

    it('leaves the event loop empty while it is still reconnecting to an absent server', async () => {
      const repo = await sb.repo({ 'orders.yml': 'db:\n  pool:\n    max: 10\n' });
      const server = await sb.server(repo);
      const cacheFile = path.join(await sb.tempDir(), 'orders.json');
      const warm = await runModule(
        CHILD,
        { SERVER: server.url, CACHE_FILE: cacheFile, BOOT_TIMEOUT: '5000' },
        8000,
      );
      expect(warm.stdout).to.equal('value 10\nclosed\n');
      const url = server.url;
      await server.close();
      const run = await runModule(
        CHILD,
        { SERVER: url, CACHE_FILE: cacheFile, BOOT_TIMEOUT: '200' },
        8000,
      );
      expect(run.stdout).to.equal('value 10 stale\nclosed\n');
      expect([run.code, run.signal]).to.deep.equal([0, null]);
      expect(run.exitAfterCloseMs).to.be.below(1000);
    });

    it('keeps the process alive while booting, so a host that only awaits connect() gets its answer', async () => {
      const server = `http://127.0.0.1:${await unusedPort()}`;
      const source = `
        import { connect } from '@hotconf/client';
        const started = Date.now();
        await connect({ server: process.env.SERVER, service: 'orders', bootTimeoutMs: 600, retry: { minDelayMs: 300, maxDelayMs: 300 } })
          .catch((error) => console.log(error.code + ' after ' + (Date.now() - started >= 590 ? 'the timeout' : 'too little')));
      `;
      const run = await runModule(source, { SERVER: server }, 8000);
      expect(run.stdout).to.equal('HC_BOOT_TIMEOUT after the timeout\n');
      expect(run.code).to.equal(0);
    });
  });

  describe('while open', () => {
    /** A worker with nothing but its client: it closes on SIGUSR2 (signal handlers hold nothing). */
    const WORKER = `
      import { connect } from '@hotconf/client';
      const cfg = await connect({
        server: process.env.SERVER, service: 'orders', token: process.env.TOKEN || undefined,
        retry: ${JSON.stringify(FAST_RETRY)}, logger: { warn: () => {} },
      });
      cfg.on('error', (error) => console.log('error ' + error.code));
      cfg.once('connected', () => console.log('connected'));
      process.on('SIGUSR2', () => cfg.close().then(() => console.log('closed')));
    `;

    /** Starts WORKER; `exited` resolves with its exit code. */
    function startWorker(env: Record<string, string>) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', WORKER], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      sb.defer(async () => {
        child.kill('SIGKILL');
        await exited;
      });
      return { child, exited, output: () => out };
    }

    const alive = (child: ReturnType<typeof spawn>) =>
      child.exitCode === null && child.signalCode === null;

    it('keeps the host process running after the server stops, until close()', async () => {
      const repo = await sb.repo({ 'orders.yml': 'db:\n  pool:\n    max: 10\n' });
      const server = await sb.server(repo);
      const worker = startWorker({ SERVER: server.url });
      await waitFor(() => worker.output().includes('connected'), 'the worker to connect', 15_000);
      await server.close();
      // The assertion is about time itself: still running well after the server went away.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(alive(worker.child), worker.output()).to.equal(true);
      worker.child.kill('SIGUSR2');
      expect(await worker.exited).to.equal(0);
      expect(worker.output()).to.equal('connected\nclosed\n');
    });

    it('keeps the host process running after the server revokes its token, until close()', async () => {
      const repo = await sb.repo({ 'orders.yml': 'db:\n  pool:\n    max: 10\n' });
      const tokensFile = path.join(await sb.tempDir(), 'tokens.yml');
      const sha = createHash('sha256').update('orders-secret').digest('hex');
      await writeFile(
        tokensFile,
        `tokens:\n  - name: orders\n    sha256: ${sha}\n    services: [orders]\n`,
      );
      const server = await sb.server(repo, { tokensFile });
      const worker = startWorker({ SERVER: server.url, TOKEN: 'orders-secret' });
      await waitFor(() => worker.output().includes('connected'), 'the worker to connect', 15_000);
      await writeFile(tokensFile, 'tokens: []\n');
      await waitFor(
        () => worker.output().includes('error HC_UNAUTHORIZED'),
        'the revocation to reach the worker',
        15_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(alive(worker.child), worker.output()).to.equal(true);
      worker.child.kill('SIGUSR2');
      expect(await worker.exited).to.equal(0);
      expect(worker.output()).to.equal('connected\nerror HC_UNAUTHORIZED\nclosed\n');
    });
  });

  describe('example service', () => {
    it('logs a setting every second and changes behaviour when ops commit a new value', async () => {
      const repo = await sb.repo({
        'orders.yml':
          'db:\n  pool:\n    max: 20\nfeatures:\n  splitShipments: false\nrateLimit:\n  requestsPerSecond: 200\n',
        'orders-dev.yml': 'db:\n  pool:\n    max: 5\n',
      });
      const server = await sb.server(repo);
      const tmp = await sb.tempDir();
      const child = spawn(
        process.execPath,
        [path.join(ROOT, 'client-sdk/examples/orders-service.mjs')],
        {
          cwd: ROOT,
          env: { ...process.env, HOTCONF_SERVER: server.url, TMPDIR: tmp },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => resolve(code)),
      );
      sb.defer(async () => {
        child.kill('SIGKILL');
        await exited;
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      await waitFor(
        () =>
          /order #1: ships \d item\(s\) in one parcel \(rate limit 200\/s, db pool max 5\)/.test(
            out,
          ),
        'the first order line',
      );
      await waitFor(() => out.includes('.. live at'), 'the live subscription');
      await repo.commit(
        { 'orders-dev.yml': 'db:\n  pool:\n    max: 8\nfeatures:\n  splitShipments: true\n' },
        'ops: split shipments',
      );
      await waitFor(
        () => out.includes('>> shipping strategy is now "split"'),
        'the strategy switch',
      );
      expect(out).to.include('>> resizing the DB pool from 5 to 8');
      expect(out).to.match(
        />> config [0-9a-f]{8} applied; changed: db\.pool\.max, features\.splitShipments/,
      );
      await waitFor(
        () => /parcels \(rate limit 200\/s, db pool max 8\)/.test(out),
        'an order shipped the new way',
        3000,
      );
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
      expect(out).to.match(/closed\n$/);
    });
  });
});
