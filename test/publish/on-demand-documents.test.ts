import { expect } from 'chai';
import { DocumentRecord } from '../../server/src/publish/document-record.js';
import { OnDemandDocuments } from '../../server/src/publish/on-demand-documents.js';
import { makeDocument } from '../../server/src/publish/published-document.js';

const COMMIT = {
  id: 'c'.repeat(40),
  author: 'a',
  email: 'a@example.com',
  time: '2026-01-01T00:00:00Z',
  message: 'm',
  parents: [],
};

/** A requested document whose config serialises to about `bytes` bytes. */
function record(name: string, bytes: number, shared = false): DocumentRecord {
  const r = new DocumentRecord('svc', [name], 'main', 'requested');
  r.published = makeDocument({
    service: 'svc',
    profiles: [name],
    label: 'main',
    version: COMMIT.id,
    config: { v: 'x'.repeat(bytes) },
    sources: [],
    owners: ['svc'],
    validated: true,
    commit: COMMIT,
  });
  r.shared = shared;
  return r;
}

describe('OnDemandDocuments', () => {
  let evicted: string[];
  let docs: OnDemandDocuments;
  beforeEach(() => {
    evicted = [];
    docs = new OnDemandDocuments({
      maxBytes: 100_000,
      maxDocuments: 1000,
      evicted: (r) => evicted.push(r.profiles[0] ?? ''),
    });
  });

  it('evicts the least recently used once the byte budget is exceeded', () => {
    const [a, b, c] = [record('a', 10_000), record('b', 10_000), record('c', 10_000)];
    docs.add(a);
    docs.add(b);
    docs.touch(a);
    docs.add(c);
    expect(evicted).to.deep.equal(['b']);
    expect(docs.bytes).to.be.at.most(100_000);
  });

  it('counts a shared body once: documents with the same sources cost only their bodies', () => {
    expect(record('s', 10_000, true).bytes()).to.be.below(record('o', 10_000).bytes());
  });

  it('never evicts a pinned document, and makes it evictable again when unpinned', () => {
    const watched = record('w', 10_000);
    docs.add(watched);
    docs.pin(watched);
    for (let i = 0; i < 10; i++) docs.add(record(`n${i}`, 10_000));
    expect(evicted).to.not.include('w');
    docs.unpin(watched);
    for (let i = 10; i < 20; i++) docs.add(record(`n${i}`, 10_000));
    expect(evicted).to.include('w');
  });

  it('evicts at once a document larger than the whole budget', () => {
    docs.add(record('huge', 200_000));
    expect(evicted).to.deep.equal(['huge']);
  });
});
