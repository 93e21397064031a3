import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HotconfServer } from '../../server/src/create-server.js';
import { bareCloneOf, GitFixture } from '../helpers/git-fixture.js';
import { request, settle, startServer } from '../helpers/server.js';

describe('commit ids as labels', () => {
  let work: GitFixture;
  let server: HotconfServer | undefined;
  const cleanup: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    work = await GitFixture.create({ 'orders.yml': 'password: public\n' });
    cleanup.push(() => work.remove());
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await Promise.all(cleanup.splice(0).map((f) => f()));
  });

  const get = (label: string) =>
    request(`${server?.url}/v1/config/orders/default?label=${encodeURIComponent(label)}`);

  /** Commits a leaked secret, then a fix; returns the leaking commit's id. */
  async function leakThenRewrite(publish: () => Promise<void>): Promise<string> {
    const leaked = await work.commit({ 'orders.yml': 'password: hunter2\n' }, 'oops');
    await publish();
    expect((await get(leaked)).json.config).to.deep.equal({ password: 'hunter2' });
    expect((await get(leaked.slice(0, 10))).status).to.equal(200);
    // The secret is removed from history: main goes back, then on without it.
    await work.git('reset', '-q', '--hard', 'HEAD~1');
    await work.commit({ 'orders.yml': 'password: rotated\n' }, 'fix');
    return leaked;
  }

  function expectGone(reply: Awaited<ReturnType<typeof get>>, label: string): void {
    expect(reply.status).to.equal(404);
    expect(reply.json.error.code).to.equal('HC_LABEL_NOT_FOUND');
    expect(reply.json.error.message).to.equal(`label ${label} does not exist`);
  }

  it('stops serving a commit rewritten away in a local repository, before any git gc', async () => {
    server = await startServer({ repo: work.dir });
    const srv = server;
    const leaked = await leakThenRewrite(() => settle(srv));
    await settle(srv);
    // git still has the object (no gc ran), yet no branch or tag reaches it.
    expect(await work.git('cat-file', '-t', leaked)).to.equal('commit');
    expectGone(await get(leaked), leaked);
    expectGone(await get(leaked.slice(0, 10)), leaked.slice(0, 10));
    expect((await get('main')).json.config).to.deep.equal({ password: 'rotated' });
  });

  it('stops serving a commit force-pushed away from a remote', async () => {
    const remote = await bareCloneOf(work);
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'hotconf-cache-'));
    cleanup.push(
      () => remote.remove(),
      () => rm(cacheDir, { recursive: true, force: true }),
    );
    await work.git('remote', 'add', 'origin', remote.dir);
    server = await startServer({ repo: `file://${remote.dir}`, cacheDir, pollInterval: 60 });
    const srv = server;
    const leaked = await leakThenRewrite(async () => {
      await work.git('push', '-q', 'origin', 'main');
      await settle(srv);
    });
    await work.git('push', '-q', '--force', 'origin', 'main');
    await settle(srv);
    expectGone(await get(leaked), leaked);
    expect((await get('main')).json.config).to.deep.equal({ password: 'rotated' });
  });

  it('keeps serving an old commit while a tag still reaches it, and not once the tag goes', async () => {
    server = await startServer({ repo: work.dir });
    const first = await work.head();
    await work.git('tag', 'v1');
    await work.commit({ 'orders.yml': 'password: second\n' });
    await work.git('reset', '-q', '--hard', 'HEAD~1');
    await work.commit({ 'orders.yml': 'password: third\n' });
    await settle(server);
    // An ancestor of main: reachable.
    expect((await get(first)).json.config).to.deep.equal({ password: 'public' });
    await work.git('checkout', '-q', '-b', 'side', first);
    await work.commit({ 'orders.yml': 'password: side\n' });
    const side = await work.head();
    await work.git('tag', 'keep', side);
    await work.git('checkout', '-q', 'main');
    await work.git('branch', '-q', '-D', 'side');
    await settle(server);
    expect((await get(side)).json.config).to.deep.equal({ password: 'side' });
    await work.git('tag', '-d', 'keep');
    await settle(server);
    expectGone(await get(side), side);
  });
});
