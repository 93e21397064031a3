import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { ConfigResolver } from '../../server/src/config/config-resolver.js';
import type { Snapshot } from '../../server/src/git/snapshot.js';

/** An in-memory snapshot of `files` (name → text) and its blob reader. */
function snapshotOf(files: Record<string, string>, maxDocumentBytes?: number) {
  const blobs = new Map<string, Buffer>();
  const names = new Map<string, string>();
  for (const [name, text] of Object.entries(files)) {
    const id = createHash('sha1').update(text).digest('hex');
    blobs.set(id, Buffer.from(text));
    names.set(name, id);
  }
  const snapshot: Snapshot = {
    commit: { id: 'c1', author: '', email: '', time: '', message: '', parents: [] },
    files: names,
    schemas: new Map(),
    prefix: '',
  };
  const resolver = new ConfigResolver({
    readBlob: async (oid) => blobs.get(oid) as Buffer,
    ...(maxDocumentBytes ? { maxDocumentBytes } : {}),
  });
  return { snapshot, resolver };
}

describe('ConfigResolver', () => {
  describe('#resolve', () => {
    it('shares one resolution among profiles that pick the same files and documents', async () => {
      const { snapshot, resolver } = snapshotOf({
        'application.yml': 'a: 1\n---\nspring.config.activate.on-profile: dev\na: 2\n',
        'orders.yml': 'b: 1\n',
      });
      const p1 = await resolver.resolve(snapshot, 'orders', ['p1']);
      const p2 = await resolver.resolve(snapshot, 'orders', ['p2']);
      const dev = await resolver.resolve(snapshot, 'orders', ['dev']);
      expect(p1).to.equal(p2);
      expect(dev).to.not.equal(p1);
      expect(dev.ok && dev.config).to.deep.equal({
        a: 2,
        b: 1,
        spring: { config: { activate: { 'on-profile': 'dev' } } },
      });
      expect(p1.ok && p1.config).to.deep.equal({ a: 1, b: 1 });
    });

    it('refuses a merged document over HOTCONF_MAX_DOCUMENT_BYTES, naming its files', async () => {
      const { snapshot, resolver } = snapshotOf(
        { 'application.yml': `a: ${'x'.repeat(600)}\n`, 'orders.yml': `b: ${'y'.repeat(600)}\n` },
        1000,
      );
      const resolution = await resolver.resolve(snapshot, 'orders', ['default']);
      expect(resolution.ok).to.equal(false);
      expect(!resolution.ok && resolution.problems).to.deep.equal([
        {
          path: '',
          message:
            'the merged document is 1215 bytes, over HOTCONF_MAX_DOCUMENT_BYTES (1000): make orders.yml, application.yml smaller',
        },
      ]);
    });

    it('knows an application from its profile file alone', () => {
      const { snapshot, resolver } = snapshotOf({ 'payments-dev.yml': 'x: 1\n' });
      expect(resolver.isKnown(snapshot, 'payments')).to.equal(true);
      expect(resolver.isKnown(snapshot, 'pay')).to.equal(false);
    });
  });
});
