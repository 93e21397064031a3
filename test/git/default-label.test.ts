import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HotconfServer } from '../../server/src/create-server.js';
import { bareCloneOf, GitFixture } from '../helpers/git-fixture.js';
import { request, startServer } from '../helpers/server.js';

describe('default label', () => {
  let server: HotconfServer | undefined;
  const cleanup: (() => Promise<void>)[] = [];

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await Promise.all(cleanup.splice(0).map((f) => f()));
  });

  /** A bare remote with `branches`, each holding `orders.yml` saying its name. */
  async function remoteWith(branches: string[], head: string): Promise<string> {
    const work = await GitFixture.create();
    cleanup.push(() => work.remove());
    for (const [i, branch] of branches.entries()) {
      if (i === 0) await work.git('checkout', '-q', '-b', branch);
      else await work.git('checkout', '-q', '-b', branch, branches[0] as string);
      await work.commit({ 'orders.yml': `from: ${branch}\n` });
    }
    const remote = await bareCloneOf(work);
    cleanup.push(() => remote.remove());
    await remote.git('symbolic-ref', 'HEAD', `refs/heads/${head}`);
    return `file://${remote.dir}`;
  }

  async function serve(repo: string): Promise<{ label: string; config: unknown }> {
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'hotconf-cache-'));
    cleanup.push(() => rm(cacheDir, { recursive: true, force: true }));
    server = await startServer({ repo, cacheDir, pollInterval: 60 });
    const body = (await request(`${server.url}/v1/config/orders/default`)).json;
    return { label: body.label, config: body.config };
  }

  it('is the branch the remote HEAD names, where it exists', async () => {
    const repo = await remoteWith(['main', 'trunk'], 'trunk');
    expect(await serve(repo)).to.deep.equal({ label: 'trunk', config: { from: 'trunk' } });
  });

  it('is main when the remote HEAD names a branch that does not exist', async () => {
    const repo = await remoteWith(['master', 'main'], 'gone');
    expect(await serve(repo)).to.deep.equal({ label: 'main', config: { from: 'main' } });
  });

  it('falls back to master, as Spring does, when there is no main either', async () => {
    const repo = await remoteWith(['master', 'develop'], 'gone');
    expect(await serve(repo)).to.deep.equal({ label: 'master', config: { from: 'master' } });
  });

  it('is main in a local repository whose HEAD names an unborn branch', async () => {
    const work = await GitFixture.create({ 'orders.yml': 'from: main\n' });
    cleanup.push(() => work.remove());
    await work.git('symbolic-ref', 'HEAD', 'refs/heads/unborn');
    server = await startServer({ repo: work.dir });
    const body = (await request(`${server.url}/v1/config/orders/default`)).json;
    expect(body.label).to.equal('main');
    expect(body.config).to.deep.equal({ from: 'main' });
  });
});
