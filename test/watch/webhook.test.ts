import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HotconfServer } from '../../server/src/create-server.js';
import { bareCloneOf, GitFixture } from '../helpers/git-fixture.js';
import { request, startServer, WatchClient } from '../helpers/server.js';

const SECRET = 'webhook-secret';
const sign = (body: string, secret = SECRET) =>
  createHmac('sha256', secret).update(body).digest('hex');

describe('POST /v1/webhook', () => {
  let work: GitFixture;
  let remote: GitFixture;
  let cacheDir: string;
  let server: HotconfServer;
  let watcher: WatchClient | undefined;

  beforeEach(async () => {
    work = await GitFixture.create({ 'orders.yml': 'v: 1\n' });
    remote = await bareCloneOf(work);
    await work.git('remote', 'add', 'origin', remote.dir);
    cacheDir = await mkdtemp(path.join(os.tmpdir(), 'hotconf-cache-'));
    // A poll interval far longer than the test: only the webhook can bring the change.
    server = await startServer({
      repo: `file://${remote.dir}`,
      cacheDir,
      pollInterval: 3600,
      webhookSecret: SECRET,
    });
  });

  afterEach(async () => {
    watcher?.close();
    await server.close();
    await Promise.all([
      work.remove(),
      remote.remove(),
      rm(cacheDir, { recursive: true, force: true }),
    ]);
  });

  const payload = JSON.stringify({ ref: 'refs/heads/main', after: 'x' });
  const post = (headers: Record<string, string>, body = payload, route = '/v1/webhook') =>
    request(`${server.url}${route}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body,
    });

  async function pushAndWatch(): Promise<string> {
    watcher = await WatchClient.open(server.url);
    watcher.subscribe('s', 'orders', ['default']);
    await watcher.waitFor(1);
    const commit = await work.commit({ 'orders.yml': 'v: 2\n' });
    await work.git('push', '-q', 'origin', 'main');
    return commit;
  }

  it('fetches at once on a GitHub push with a good X-Hub-Signature-256, and the change flows to subscribers', async () => {
    const commit = await pushAndWatch();
    const reply = await post({
      'X-GitHub-Event': 'push',
      'X-Hub-Signature-256': `sha256=${sign(payload)}`,
    });
    expect(reply.status).to.equal(202);
    expect(reply.json).to.deep.equal({
      accepted: true,
      provider: 'github',
      refs: ['refs/heads/main'],
    });
    const change = await watcher?.waitUntil((m) => m.type === 'change', 5000);
    expect(change).to.deep.include({ version: commit, changedKeys: ['v'] });
  });

  it('accepts a GitLab push with the right X-Gitlab-Token', async () => {
    const commit = await pushAndWatch();
    expect(
      (await post({ 'X-Gitlab-Event': 'Push Hook', 'X-Gitlab-Token': SECRET })).status,
    ).to.equal(202);
    expect(await watcher?.waitUntil((m) => m.type === 'change', 5000)).to.deep.include({
      version: commit,
    });
  });

  it("accepts a Gitea push with the right X-Gitea-Signature, also at Spring's /monitor", async () => {
    const commit = await pushAndWatch();
    expect(
      (
        await post(
          { 'X-Gitea-Event': 'push', 'X-Gitea-Signature': sign(payload) },
          payload,
          '/monitor',
        )
      ).status,
    ).to.equal(202);
    expect(await watcher?.waitUntil((m) => m.type === 'change', 5000)).to.deep.include({
      version: commit,
    });
  });

  const refused: [string, Record<string, string>, string?][] = [
    [
      'a GitHub signature made with another secret',
      { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${sign(payload, 'wrong')}` },
    ],
    [
      'a GitHub signature over another body',
      { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${sign(payload)}` },
      '{"ref":"refs/heads/evil"}',
    ],
    ['a GitHub push without a signature', { 'X-GitHub-Event': 'push' }],
    ['a wrong GitLab token', { 'X-Gitlab-Event': 'Push Hook', 'X-Gitlab-Token': 'guess' }],
    [
      'a wrong Gitea signature',
      { 'X-Gitea-Event': 'push', 'X-Gitea-Signature': sign(payload, 'wrong') },
    ],
    ['no provider headers at all', {}],
  ];
  for (const [what, headers, body] of refused) {
    it(`answers 401 HC_UNAUTHORIZED to ${what}, and fetches nothing`, async () => {
      const before = server.parts?.detector.state.fetches;
      const reply = await post(headers, body);
      expect(reply.status).to.equal(401);
      expect(reply.json.error.code).to.equal('HC_UNAUTHORIZED');
      expect(server.parts?.detector.state.fetches).to.equal(before);
    });
  }

  it('answers 400 to a correctly signed body that is not JSON', async () => {
    const body = 'not json';
    const reply = await post(
      { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${sign(body)}` },
      body,
    );
    expect(reply.status).to.equal(400);
    expect(reply.json.error).to.deep.equal({
      code: 'HC_BAD_REQUEST',
      message: 'the request body is not valid JSON',
    });
  });

  it('answers 413 to a body over 1 MiB', async () => {
    const reply = await post({ 'X-GitHub-Event': 'push' }, `{"pad":"${'x'.repeat(1_100_000)}"}`);
    expect(reply.status).to.equal(413);
    expect(reply.json.error.code).to.equal('HC_BODY_TOO_LARGE');
  });
});
