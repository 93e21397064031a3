import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { HotconfServer } from '../../server/src/create-server.js';
import { bareCloneOf, GitFixture } from '../helpers/git-fixture.js';
import { request, startServer } from '../helpers/server.js';

const run = promisify(execFile);

describe('RemoteMirror', () => {
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

  const url = () => `file://${remote.dir}`;
  const mirrorDir = () => server?.parts?.repository.gitDir as string;
  const status = async () => (await request(`${server?.url}/v1/status`)).json.repository;
  const refresh = () => request(`${server?.url}/v1/refresh`, { method: 'POST' });
  const served = async () => (await request(`${server?.url}/v1/config/orders/default`)).json;
  const staleMetric = async () =>
    /^hotconf_git_stale(?:\{[^}]*\})? (\d)$/m.exec(
      (await request(`${server?.url}/metrics`)).text,
    )?.[1];

  async function push(files: Record<string, string>): Promise<string> {
    const commit = await work.commit(files);
    await work.git('push', '-q', 'origin', 'main');
    return commit;
  }

  describe('#fetch', () => {
    it('removes what an interrupted fetch left behind (a ref lock, temp objects) and fetches', async () => {
      server = await startServer({ repo: url(), cacheDir, pollInterval: 60 });
      const dir = mirrorDir();
      // What a full disk leaves: a ref lock fails every later fetch until it goes.
      await writeFile(path.join(dir, 'refs', 'heads', 'main.lock'), '');
      await writeFile(path.join(dir, 'objects', 'pack', 'tmp_pack_Xy12ab'), 'partial');
      await mkdir(path.join(dir, 'objects', 'ab'), { recursive: true });
      await writeFile(path.join(dir, 'objects', 'ab', 'tmp_obj_Q1w2e3'), 'partial');
      const commit = await push({ 'orders.yml': 'v: 2\n' });
      expect((await refresh()).status).to.equal(200);
      expect((await served()).version).to.equal(commit);
      expect(await readdir(path.join(dir, 'objects', 'pack'))).not.to.include('tmp_pack_Xy12ab');
      expect(await readdir(path.join(dir, 'refs', 'heads'))).not.to.include('main.lock');
      expect(await readdir(path.join(dir, 'objects', 'ab'))).not.to.include('tmp_obj_Q1w2e3');
      expect((await status()).stale).to.equal(false);
    });

    it('says stale while fetches fail, and recovers when the remote is back', async () => {
      server = await startServer({ repo: url(), cacheDir, pollInterval: 60 });
      const started = (await status()).lastSuccess;
      const commit = await push({ 'orders.yml': 'v: 2\n' });
      await rename(remote.dir, `${remote.dir}.away`);
      const refreshed = await refresh();
      expect(refreshed.json.lastError).to.equal('fetch from the remote failed');
      const stale = await status();
      expect(stale).to.include({
        stale: true,
        failuresInARow: 1,
        lastSuccess: started,
        lastError: 'fetch from the remote failed',
      });
      expect(await staleMetric()).to.equal('1');
      // Still ready: the last fetched config keeps being served.
      expect((await request(`${server.url}/ready`)).status).to.equal(200);
      expect((await served()).config).to.deep.equal({ v: 1 });
      await rename(`${remote.dir}.away`, remote.dir);
      await refresh();
      expect(await status()).to.include({ stale: false, failuresInARow: 0 });
      expect(await staleMetric()).to.equal('0');
      expect((await served()).version).to.equal(commit);
    });

    it('clones afresh after repeated failures that cleaning up does not cure', async () => {
      server = await startServer({ repo: url(), cacheDir, pollInterval: 60 });
      // A mirror broken for good: it fetches from a place that is gone.
      await run('git', ['config', 'remote.origin.url', `${remote.dir}-gone`], { cwd: mirrorDir() });
      const commit = await push({ 'orders.yml': 'v: 2\n' });
      await refresh();
      await refresh();
      expect(await status()).to.include({ stale: true, failuresInARow: 2 });
      await refresh();
      expect(await status()).to.include({ stale: false, failuresInARow: 0 });
      expect((await served()).version).to.equal(commit);
      // Later commits keep arriving through the new mirror.
      const next = await push({ 'orders.yml': 'v: 3\n' });
      await refresh();
      expect((await served()).version).to.equal(next);
      expect((await served()).config).to.deep.equal({ v: 3 });
    });
  });

  describe('.open', () => {
    it('clones afresh at start when the cached mirror cannot be fetched', async () => {
      server = await startServer({ repo: url(), cacheDir, pollInterval: 60 });
      const dir = mirrorDir();
      await server.close();
      await run('git', ['config', 'remote.origin.url', `${remote.dir}-gone`], { cwd: dir });
      const commit = await push({ 'orders.yml': 'v: 2\n' });
      server = await startServer({ repo: url(), cacheDir, pollInterval: 60 });
      expect((await served()).version).to.equal(commit);
      expect(await status()).to.include({ stale: false });
    });

    const expectUnusable = async (why: string) => {
      let error: Error | undefined;
      await startServer({ repo: url(), cacheDir, pollInterval: 60 }).catch(
        (e: unknown) => (error = e as Error),
      );
      expect(error?.message).to.equal(
        `HOTCONF_CACHE_DIR is not usable: ${why}; point it at a folder hotconf may write`,
      );
      expect(error?.message).not.to.include(cacheDir);
    };

    it('says HOTCONF_CACHE_DIR is unusable, not that the remote is unreachable, when a file is in the way', async () => {
      await rm(cacheDir, { recursive: true });
      await writeFile(cacheDir, 'not a folder');
      await expectUnusable('a file is in the way');
    });

    it('says so when a file sits where the mirror goes', async () => {
      const name = createHash('sha256').update(url()).digest('hex').slice(0, 16);
      await writeFile(path.join(cacheDir, `${name}.git`), 'not a folder');
      await expectUnusable('a file is in the way of the mirror');
    });
  });
});
