import { expect } from 'chai';
import path from 'node:path';
import { pino } from 'pino';
import { SNAPSHOT_FILES } from '../../server/src/config/snapshot-files.js';
import { Repository } from '../../server/src/git/repository.js';
import { readRefFiles } from '../../server/src/git/ref-files.js';
import { GitFixture } from '../helpers/git-fixture.js';

/** What `git show-ref --head --dereference` says, as labels. */
async function labelsByGit(repo: GitFixture): Promise<Map<string, string>> {
  const out = await repo.git('show-ref', '--head', '--dereference');
  const labels = new Map<string, string>();
  const tags = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [oid, ref] = line.split(' ') as [string, string];
    if (ref === 'HEAD') labels.set('HEAD', oid);
    else if (ref.startsWith('refs/heads/')) labels.set(ref.slice(11), oid);
    else if (ref.startsWith('refs/tags/')) tags.set(ref.slice(10).replace(/\^\{\}$/, ''), oid);
  }
  // git resolves `refs/tags/x` before `refs/heads/x`.
  for (const [name, oid] of tags) labels.set(name, oid);
  return labels;
}

describe('readRefFiles', () => {
  let repo: GitFixture;
  let repository: Repository;

  beforeEach(async () => {
    repo = await GitFixture.create({ 'orders.yml': 'v: 1\n' });
    await repo.git('tag', 'light');
    await repo.git('tag', '-a', 'annotated', '-m', 'release');
    await repo.git('branch', 'feature/deep/name');
    await repo.commit({ 'orders.yml': 'v: 2\n' });
    repository = await Repository.open({
      repo: repo.dir,
      cacheDir: repo.dir,
      files: SNAPSHOT_FILES,
      logger: pino({ level: 'silent' }),
    });
  });

  afterEach(async () => {
    repository.close();
    await repo.remove();
  });

  const read = async () =>
    (
      await readRefFiles(path.join(repo.dir, '.git'), async (oid) => {
        const type = await repo.git('cat-file', '-t', oid);
        return type === 'commit' ? oid : repo.git('rev-parse', `${oid}^{commit}`);
      })
    )?.labels;

  it('reads loose refs exactly as git show-ref does, annotated tags peeled to their commit', async () => {
    expect(await read()).to.deep.equal(await labelsByGit(repo));
    expect((await read())?.get('annotated')).to.equal(await repo.head('annotated^{commit}'));
  });

  it('reads packed refs, and loose refs over packed ones', async () => {
    await repo.git('pack-refs', '--all');
    expect(await read()).to.deep.equal(await labelsByGit(repo));
    await repo.commit({ 'orders.yml': 'v: 3\n' });
    expect((await read())?.get('main')).to.equal(await repo.head());
    expect(await read()).to.deep.equal(await labelsByGit(repo));
  });

  it('follows a detached HEAD', async () => {
    await repo.git('checkout', '-q', '--detach', 'light');
    expect((await read())?.get('HEAD')).to.equal(await repo.head('light'));
  });

  it('lets the repository see moves and deletions the same way', async () => {
    await repo.git('tag', '-d', 'light');
    await repo.commit({ 'orders.yml': 'v: 4\n' });
    const moves = await repository.refreshLabels();
    expect(
      moves.map((m) => [m.label, m.to === undefined ? 'deleted' : 'moved']).sort(),
    ).to.deep.equal([
      ['HEAD', 'moved'],
      ['light', 'deleted'],
      ['main', 'moved'],
    ]);
    expect(repository.labelTable()).to.deep.equal(await labelsByGit(repo));
  });

  it('serves the tag where a branch and a tag share a name, as git rev-parse does, and says so', async () => {
    const tagged = await repo.head('main~1');
    await repo.git('tag', 'release', tagged);
    await repo.git('branch', 'release', 'main');
    await repository.refreshLabels();
    expect(await repo.git('rev-parse', 'release')).to.equal(tagged);
    expect(repository.labelTable().get('release')).to.equal(tagged);
    expect(repository.ambiguousLabels()).to.deep.equal(['release']);
    expect(await read()).to.deep.equal(await labelsByGit(repo));
    await repo.git('tag', '-d', 'release');
    await repository.refreshLabels();
    expect(repository.labelTable().get('release')).to.equal(await repo.head('main'));
    expect(repository.ambiguousLabels()).to.deep.equal([]);
  });
});
