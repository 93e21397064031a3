import { expect } from 'chai';
import {
  applyMergePatch,
  type ConfigObject,
  type PatchMessage,
  type SnapshotMessage,
} from '@hotconf/client';
import type { HotconfServer } from '../../server/src/create-server.js';
import { mergePatch } from '../../server/src/publish/merge-patch.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, startServer, WatchClient } from '../helpers/server.js';

/** A large document: 2,000 keys; one of them changes. */
function big(changed: number): string {
  const lines = ['settings:'];
  for (let i = 0; i < 2000; i++) lines.push(`  key${i}: "value-${i}-${'v'.repeat(20)}"`);
  lines.push(`knob: ${changed}`);
  return `${lines.join('\n')}\n`;
}

describe('merge patches', () => {
  describe('mergePatch', () => {
    it('says additions, changes and removals, recursing into maps (as the SDK applies them)', () => {
      const from: ConfigObject = { a: 1, b: { c: 2, d: 3 }, e: [1, 2], gone: true };
      const to: ConfigObject = { a: 1, b: { c: 5, d: 3, f: 6 }, e: [1] };
      const patch = mergePatch(from, to);
      expect(patch).to.deep.equal({ gone: null, b: { c: 5, f: 6 }, e: [1] });
      expect(applyMergePatch(from, patch as ConfigObject)).to.deep.equal(to);
    });

    it('deletes and adds keys named like Object.prototype members (toString, constructor)', () => {
      const from: ConfigObject = { toString: 'x', constructor: 1, keep: true };
      const to: ConfigObject = { keep: true, valueOf: 2 };
      const patch = mergePatch(from, to);
      expect(patch).to.deep.equal({ toString: null, constructor: null, valueOf: 2 });
    });

    it('refuses when a changed value is null, which a merge patch would read as delete', () => {
      expect(mergePatch({ a: 1 }, { a: null })).to.equal(undefined);
    });
  });

  describe('over /v1/watch', () => {
    let repo: GitFixture;
    let server: HotconfServer;
    const clients: WatchClient[] = [];

    beforeEach(async () => {
      repo = await GitFixture.create({ 'orders.yml': big(1) });
      server = await startServer({ repo: repo.dir });
    });

    afterEach(async () => {
      for (const c of clients.splice(0)) c.close();
      await server.close();
      await repo.remove();
    });

    async function watch(extra: Record<string, unknown>): Promise<WatchClient> {
      const c = await WatchClient.open(server.url);
      clients.push(c);
      c.subscribe('s', 'orders', ['default'], extra);
      await c.waitFor(1);
      return c;
    }

    it('sends a client that accepts patches a small patch against the etag it holds', async () => {
      const c = await watch({ patch: true });
      const snapshot = c.messages[0] as SnapshotMessage;
      const commit = await repo.commit({ 'orders.yml': big(2) });
      const patch = (await c.waitFor(2))[1] as PatchMessage;
      expect(patch.type).to.equal('patch');
      expect(patch).to.deep.include({
        id: 's',
        version: commit,
        baseEtag: snapshot.etag,
        changedKeys: ['knob'],
      });
      expect(patch.patch).to.deep.equal({ knob: 2 });
      const served = (await request(`${server.url}/v1/config/orders/default`)).json;
      expect(applyMergePatch(snapshot.config, patch.patch)).to.deep.equal(served.config);
      expect(patch.etag).to.equal(served.etag);
      const full = Buffer.byteLength(JSON.stringify(served.config));
      const sent = Buffer.byteLength(JSON.stringify(patch));
      expect(sent / full).to.be.below(0.02);
    });

    it('sends the whole document to a client that did not ask for patches', async () => {
      const c = await watch({});
      await repo.commit({ 'orders.yml': big(3) });
      expect((await c.waitFor(2))[1]).to.include({ type: 'change' });
    });

    it('answers a client resubscribing with an etag it no longer matches with a snapshot', async () => {
      const c = await watch({ patch: true });
      const old = (c.messages[0] as SnapshotMessage).etag;
      await repo.commit({ 'orders.yml': big(4) });
      await c.waitFor(2);
      c.subscribe('s', 'orders', ['default'], { patch: true, etag: old });
      const snap = (await c.waitFor(3))[2] as SnapshotMessage;
      expect(snap.type).to.equal('snapshot');
      expect((snap.config as { knob: number }).knob).to.equal(4);
    });
  });
});
