import { expect } from 'chai';
import { pino } from 'pino';
import { ConfigResolver } from '../../server/src/config/config-resolver.js';
import type { Snapshot } from '../../server/src/git/snapshot.js';
import {
  DocumentEvaluator,
  type ChangeEvent,
} from '../../server/src/publish/document-evaluator.js';
import { DocumentRecord } from '../../server/src/publish/document-record.js';
import { SharedContent } from '../../server/src/publish/shared-content.js';
import { SchemaGate } from '../../server/src/schema/schema-gate.js';

/** Blobs in memory, and snapshots made by hand: the evaluator is the only stage under test. */
const blobs = new Map<string, string>([
  ['b1', 'db:\n  pool: 1\n'],
  ['b2', 'db:\n  pool: 2\n'],
]);
const readBlob = async (oid: string) => Buffer.from(blobs.get(oid) ?? '');
const commit = (id: string) => ({
  id: id.repeat(40),
  author: 'a',
  email: 'a@example.com',
  time: '2026-01-01T00:00:00Z',
  message: id,
  parents: [],
});
const snapshot = (id: string, files: Record<string, string>): Snapshot => ({
  commit: commit(id),
  files: new Map(Object.entries(files)),
  schemas: new Map(),
  prefix: '',
});

describe('DocumentEvaluator', () => {
  let changes: ChangeEvent[];
  let gone: string[];
  let evaluator: DocumentEvaluator;

  beforeEach(() => {
    changes = [];
    gone = [];
    const resolver = new ConfigResolver({ readBlob });
    const gate = new SchemaGate({ readBlob });
    evaluator = new DocumentEvaluator({
      resolver,
      content: new SharedContent({ resolver, gate }),
      logger: pino({ level: 'silent' }),
      outcomes: {
        change: (e) => void changes.push(e),
        rejected: () => undefined,
        gone: (r) => void gone.push(r.key),
      },
      walkBack: async () => false,
    });
  });

  const record = (profile: string) => new DocumentRecord('orders', [profile], 'main', 'requested');

  it('publishes a first version quietly, then pushes a change with its changed keys', async () => {
    const r = record('default');
    await evaluator.evaluate(r, snapshot('a', { 'orders.yml': 'b1' }), 0);
    expect(r.published?.config).to.deep.equal({ db: { pool: 1 } });
    expect(changes).to.have.length(0);
    await evaluator.evaluate(r, snapshot('b', { 'orders.yml': 'b2' }), 0);
    expect(changes.map((c) => [c.document.version, c.changedKeys])).to.deep.equal([
      ['b'.repeat(40), ['db.pool']],
    ]);
  });

  it('moves an untouched document to the new commit when carried forward; reads change nothing', async () => {
    const r = record('default');
    await evaluator.evaluate(r, snapshot('a', { 'orders.yml': 'b1' }), 0);
    const first = r.published;
    expect(r.published).to.equal(first);
    evaluator.carryForward(r, snapshot('c', { 'orders.yml': 'b1' }));
    const moved = r.published;
    expect(moved?.version).to.equal('c'.repeat(40));
    expect(moved?.etag).to.equal(first?.etag);
    expect(moved?.configJson).to.equal(first?.configJson);
    expect(r.published).to.equal(moved);
    expect(changes).to.have.length(0);
  });

  it('gives documents with the same sources one shared config and serialisation', async () => {
    const at = snapshot('a', { 'orders.yml': 'b1' });
    const [p1, p2] = [record('p1'), record('p2')];
    await evaluator.evaluate(p1, at, 0);
    await evaluator.evaluate(p2, at, 0);
    expect(p2.published?.config).to.equal(p1.published?.config);
    expect(p2.shared).to.equal(true);
    expect(p2.bytes()).to.be.below(p1.bytes());
  });

  it('reports a document whose service has no file any more as gone', async () => {
    const r = record('default');
    await evaluator.evaluate(r, snapshot('a', { 'orders.yml': 'b1' }), 0);
    await evaluator.evaluate(r, snapshot('b', { 'billing.yml': 'b2' }), 0);
    expect(gone).to.deep.equal([r.key]);
    expect(r.published?.config).to.deep.equal({ db: { pool: 1 } });
  });
});
