import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createServer, type HotconfServer } from '../../server/src/create-server.js';
import { bareCloneOf, GitFixture } from '../helpers/git-fixture.js';
import { request, startServer } from '../helpers/server.js';
import { pollUntil } from '../helpers/wait-for.js';

describe('remote repository', () => {
  let work: GitFixture;
  let remote: GitFixture;
  let cacheDir: string;
  let server: HotconfServer | undefined;

  beforeEach(async () => {
    work = await GitFixture.create({ 'orders.yml': 'v: 1\n' });
    remote = await bareCloneOf(work);
    await work.git('remote', 'add', 'origin', remote.dir);
    cacheDir = await mkdtemp(path.join(os.tmpdir(), 'hotconf-cache-'));
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await Promise.all([
      work.remove(),
      remote.remove(),
      rm(cacheDir, { recursive: true, force: true }),
    ]);
  });

  async function push(files: Record<string, string>): Promise<string> {
    const commit = await work.commit(files);
    await work.git('push', '-q', 'origin', 'main');
    return commit;
  }

  it('clones a file:// remote into the cache dir and serves it', async () => {
    server = await startServer({ repo: `file://${remote.dir}`, cacheDir, pollInterval: 60 });
    const body = (await request(`${server.url}/v1/config/orders/default`)).json;
    expect(body.config).to.deep.equal({ v: 1 });
    expect(body.label).to.equal('main');
  });

  it('serves a push after POST /v1/refresh', async () => {
    server = await startServer({ repo: `file://${remote.dir}`, cacheDir, pollInterval: 60 });
    const commit = await push({ 'orders.yml': 'v: 2\n' });
    const refresh = await request(`${server.url}/v1/refresh`, { method: 'POST' });
    expect(refresh.status).to.equal(200);
    expect(refresh.json.labels.main).to.equal(commit);
    const body = (await request(`${server.url}/v1/config/orders/default`)).json;
    expect(body.version).to.equal(commit);
    expect(body.config).to.deep.equal({ v: 2 });
  });

  it('serves a push after one poll interval without being told', async () => {
    server = await startServer({ repo: `file://${remote.dir}`, cacheDir, pollInterval: 0.5 });
    const commit = await push({ 'orders.yml': 'v: 3\n' });
    const url = `${server.url}/v1/config/orders/default`;
    const body = await pollUntil(
      async () => (await request(url)).json,
      (b) => b.version === commit,
      15_000,
    );
    expect(body.version).to.equal(commit);
    expect(body.config).to.deep.equal({ v: 3 });
  });

  it('reuses a cached clone on restart and fetches what it missed', async () => {
    server = await startServer({ repo: `file://${remote.dir}`, cacheDir, pollInterval: 60 });
    await server.close();
    const commit = await push({ 'orders.yml': 'v: 4\n' });
    server = await startServer({ repo: `file://${remote.dir}`, cacheDir, pollInterval: 60 });
    expect((await request(`${server.url}/v1/config/orders/default`)).json.version).to.equal(commit);
  });

  it('fails fast with a clear message when the remote cannot be reached', async () => {
    const missing = `file://${remote.dir}-does-not-exist`;
    const s = createServer({ repo: missing, cacheDir, port: 0, logLevel: 'silent' });
    const started = Date.now();
    let message = '';
    await s.listen().catch((e: Error) => (message = e.message));
    await s.close();
    expect(message).to.match(
      new RegExp(
        `^cannot reach the config repository ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `,
      ),
    );
    expect(Date.now() - started).to.be.below(10_000);
  });

  it('never shows credentials from the remote URL', async () => {
    const s = createServer({
      repo: 'https://deploy:s3cret@127.0.0.1:1/config.git',
      cacheDir,
      port: 0,
      logLevel: 'silent',
    });
    let message = '';
    await s.listen().catch((e: Error) => (message = e.message));
    await s.close();
    expect(message).to.contain('https://***@127.0.0.1:1/config.git');
    expect(message).to.not.contain('s3cret');
  });
});

describe('local change detection', () => {
  it('sees the last commit of a burst of back-to-back commits, without a refresh', async () => {
    const repo = await GitFixture.create({ 'orders.yml': 'v: 0\n' });
    const server = await startServer({ repo: repo.dir, pollInterval: 3600 });
    try {
      for (let round = 1; round <= 5; round++) {
        let last = '';
        for (let i = 0; i < 3; i++)
          last = await repo.commit({ 'orders.yml': `v: ${round * 10 + i}\n` });
        const body = await pollUntil(
          async () => (await request(`${server.url}/v1/config/orders/default`)).json,
          (b) => b.version === last,
        );
        expect(body.version, `round ${round}`).to.equal(last);
      }
    } finally {
      await server.close();
      await repo.remove();
    }
  });
});

describe('GitCommandError', () => {
  it('hides URL credentials in its message, arguments and stderr', async () => {
    const { GitCommandError } = await import('../../server/src/git/run-git.js');
    const error = new GitCommandError(
      ['clone', 'https://deploy:s3cret@git.example/x.git'],
      128,
      "fatal: could not read from 'https://deploy:s3cret@git.example/x.git'\n",
    );
    expect(JSON.stringify({ ...error, message: error.message })).to.not.contain('s3cret');
    expect(error.message).to.equal(
      "git clone failed (128): fatal: could not read from 'https://***@git.example/x.git'",
    );
    expect(error.args).to.deep.equal(['clone', 'https://***@git.example/x.git']);
  });
});
