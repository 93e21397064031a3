import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, settle, startServer } from '../helpers/server.js';

describe('a branch and a tag with the same name', () => {
  let repo: GitFixture;
  let server: HotconfServer | undefined;

  beforeEach(async () => {
    repo = await GitFixture.create({ 'orders.yml': 'from: tag\n' });
    await repo.git('tag', 'release');
    await repo.git('checkout', '-q', '-b', 'release');
    await repo.commit({ 'orders.yml': 'from: branch\n' });
    await repo.git('checkout', '-q', 'main');
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await repo.remove();
  });

  it('serves the tag, as git does, and lists the name in /v1/status', async () => {
    server = await startServer({ repo: repo.dir });
    expect(await repo.git('show', 'release:orders.yml')).to.equal('from: tag');
    const body = (await request(`${server.url}/v1/config/orders/default?label=release`)).json;
    expect(body.config).to.deep.equal({ from: 'tag' });
    expect(body.version).to.equal(await repo.head('refs/tags/release'));
    const status = (await request(`${server.url}/v1/status`)).json.repository;
    expect(status.ambiguousLabels).to.deep.equal(['release']);
    expect(status.labels.release).to.equal(await repo.head('refs/tags/release'));

    // Once the tag goes, the name is the branch's alone.
    await repo.git('tag', '-d', 'release');
    await settle(server);
    const after = (await request(`${server.url}/v1/config/orders/default?label=release`)).json;
    expect(after.config).to.deep.equal({ from: 'branch' });
    expect(
      (await request(`${server.url}/v1/status`)).json.repository.ambiguousLabels,
    ).to.deep.equal([]);
  });
});
