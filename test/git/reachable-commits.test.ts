import { expect } from 'chai';
import path from 'node:path';
import { LabelTable } from '../../server/src/git/label-table.js';
import { ObjectReader } from '../../server/src/git/object-reader.js';
import { ReachableCommits } from '../../server/src/git/reachable-commits.js';
import { GitFixture } from '../helpers/git-fixture.js';

describe('ReachableCommits', () => {
  let repo: GitFixture;
  let reader: ObjectReader;
  let labels: LabelTable;
  let reachable: ReachableCommits;

  beforeEach(async () => {
    repo = await GitFixture.create({ 'orders.yml': 'v: 1\n' });
    const gitDir = path.join(repo.dir, '.git');
    reader = new ObjectReader(gitDir);
    const read = (rev: string) => reader.read(rev);
    labels = new LabelTable({ gitDir, read });
    reachable = new ReachableCommits({ gitDir, read });
    await labels.refresh();
    await reachable.rebuild(labels.table);
  });

  afterEach(async () => {
    reader.close();
    await repo.remove();
  });

  /** Re-reads refs and follows them; true when the whole set had to be listed again. */
  const follow = async () => reachable.update(await labels.refresh(), labels.table);

  describe('#update', () => {
    it('adds a new commit on a branch (HEAD moving with it) without listing everything again', async () => {
      const first = await repo.head();
      const second = await repo.commit({ 'orders.yml': 'v: 2\n' });
      expect(await follow()).to.equal(false);
      expect(reachable.has(first) && reachable.has(second)).to.equal(true);
    });

    it('drops the commits a reset leaves behind, and keeps what a tag still reaches', async () => {
      const first = await repo.head();
      const second = await repo.commit({ 'orders.yml': 'v: 2\n' });
      const third = await repo.commit({ 'orders.yml': 'v: 3\n' });
      await repo.git('tag', 'keep', second);
      await follow();
      await repo.git('reset', '-q', '--hard', first);
      expect(await follow()).to.equal(true);
      expect([first, second, third].map((id) => reachable.has(id))).to.deep.equal([
        true,
        true,
        false,
      ]);
      await repo.git('tag', '-d', 'keep');
      await follow();
      expect(reachable.has(second)).to.equal(false);
    });
  });
});
