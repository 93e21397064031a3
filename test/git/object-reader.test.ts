import { expect } from 'chai';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ObjectReadError, ObjectTooLargeError } from '../../server/src/git/object-read-error.js';
import { ObjectReader } from '../../server/src/git/object-reader.js';
import { GitFixture } from '../helpers/git-fixture.js';

/** Path of a loose object's file. */
export function looseObjectPath(repo: GitFixture, oid: string): string {
  return path.join(repo.dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2));
}

describe('ObjectReader', () => {
  let repo: GitFixture;
  let reader: ObjectReader;

  beforeEach(async () => {
    repo = await GitFixture.create({ 'orders.yml': 'v: 1\n', 'billing.yml': 'v: 2\n' });
  });

  afterEach(async () => {
    reader.close();
    await repo.remove();
  });

  const blobOf = (file: string) => repo.git('rev-parse', `HEAD:${file}`);

  describe('#read', () => {
    it('reads blobs, trees and commits, and says null for an object git does not have', async () => {
      reader = new ObjectReader(path.join(repo.dir, '.git'));
      const blob = await reader.read(await blobOf('orders.yml'));
      expect(blob?.type).to.equal('blob');
      expect(blob?.data.toString()).to.equal('v: 1\n');
      expect((await reader.read('HEAD'))?.type).to.equal('commit');
      expect(await reader.read('0'.repeat(40))).to.equal(null);
    });

    it('reads a 50 MB blob in linear time, whole, between two small ones', async function () {
      this.timeout(120_000);
      const line = 'key: 0123456789abcdef0123456789abcdef0123456789abcdef\n';
      const big = line.repeat(Math.ceil((50 * 1024 * 1024) / line.length));
      await repo.commit({ 'big.yml': big });
      reader = new ObjectReader(path.join(repo.dir, '.git'));
      const ids = await Promise.all(['orders.yml', 'big.yml', 'billing.yml'].map(blobOf));
      const started = performance.now();
      const [a, b, c] = await Promise.all(ids.map((id) => reader.read(id)));
      const ms = performance.now() - started;
      expect(a?.data.toString()).to.equal('v: 1\n');
      expect(b?.data.length).to.equal(Buffer.byteLength(big));
      expect(b?.data.equals(Buffer.from(big))).to.equal(true);
      expect(c?.data.toString()).to.equal('v: 2\n');
      // Quadratic concatenation took 105 s for this size; linear reading takes well under 5 s.
      expect(ms).to.be.below(5000);
    });

    it('refuses a blob over the limit from its header, and answers the next read', async () => {
      await repo.commit({ 'big.yml': 'x'.repeat(3000) });
      reader = new ObjectReader(path.join(repo.dir, '.git'), { maxBlobBytes: 2048 });
      const [big, small] = await Promise.all([blobOf('big.yml'), blobOf('orders.yml')]);
      const [refused, next] = await Promise.allSettled([reader.read(big), reader.read(small)]);
      expect(refused.status).to.equal('rejected');
      const error = (refused as PromiseRejectedResult).reason as ObjectTooLargeError;
      expect(error).to.be.instanceOf(ObjectTooLargeError);
      expect(error.oid).to.equal(big);
      expect(error.message).to.equal(`git object ${big} is 2.9 KB, over the 2 KB limit`);
      expect(error.inFile('big.yml').message).to.equal(
        'big.yml is 2.9 KB, over the 2 KB limit for a config file (HOTCONF_MAX_FILE_BYTES)',
      );
      expect(next.status === 'fulfilled' && next.value?.data.toString()).to.equal('v: 1\n');
      // Trees and commits are not files: no limit applies to them.
      expect((await reader.read('HEAD^{tree}'))?.type).to.equal('tree');
    });

    it('fails only the read of a truncated object, then restarts git for the next ones', async () => {
      // Random lines, so the object does not compress to a few bytes.
      const lines = Array.from({ length: 2000 }, (_, i) => `k${i}: ${Math.random()}`);
      await repo.commit({ 'orders.yml': `${lines.join('\n')}\n` });
      const oid = await blobOf('orders.yml');
      const file = looseObjectPath(repo, oid);
      const saved = await readFile(file);
      await rename(file, `${file}.bak`);
      await writeFile(file, saved.subarray(0, saved.length >> 1));
      reader = new ObjectReader(path.join(repo.dir, '.git'));
      const other = await blobOf('billing.yml');
      const [broken, fine] = await Promise.allSettled([reader.read(oid), reader.read(other)]);
      expect(broken.status).to.equal('rejected');
      const error = (broken as PromiseRejectedResult).reason as ObjectReadError;
      expect(error).to.be.instanceOf(ObjectReadError);
      expect(error.message).to.equal(`git object ${oid} could not be read (corrupt or truncated)`);
      expect(error.message).not.to.include(repo.dir);
      expect(fine.status === 'fulfilled' && fine.value?.data.toString()).to.equal('v: 2\n');
      // Restored, the same object reads: nothing about the failure was remembered.
      await rename(`${file}.bak`, file);
      expect((await reader.read(oid))?.data.toString()).to.equal(`${lines.join('\n')}\n`);
    });

    it('refuses reads once closed', async () => {
      reader = new ObjectReader(path.join(repo.dir, '.git'));
      reader.close();
      let error: unknown;
      await reader.read('HEAD').catch((e: unknown) => (error = e));
      expect((error as Error).message).to.equal('object reader is closed');
    });
  });
});
