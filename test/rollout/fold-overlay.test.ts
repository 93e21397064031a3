import { expect } from 'chai';
import { foldIntoYaml } from '../../server/src/rollout/fold-overlay.js';

describe('foldIntoYaml', () => {
  it('updates a Spring-style dotted key where it stands', () => {
    const text = 'db.pool.max: 10 # tuned\ndb.pool.min: 1\n';
    expect(foldIntoYaml(text, { db: { pool: { max: 80 } } })).to.equal(
      'db.pool.max: 80 # tuned\ndb.pool.min: 1\n',
    );
  });

  it('writes a new key dotted beside dotted siblings, nested otherwise', () => {
    expect(foldIntoYaml('db.host: a\n', { db: { port: 5432 } })).to.equal(
      'db.host: a\ndb.port: 5432\n',
    );
    expect(foldIntoYaml('db:\n  host: a\n', { db: { port: 5432 } })).to.equal(
      'db:\n  host: a\n  port: 5432\n',
    );
  });

  it('replaces arrays and scalars whole, as the merge does', () => {
    expect(
      foldIntoYaml('hosts: [a, b]\nlimit: 5\n', { hosts: ['c'], limit: { hard: 9 } }),
    ).to.equal('hosts:\n  - c\nlimit:\n  hard: 9\n');
  });

  it('refuses a document file that is not valid YAML', () => {
    expect(() => foldIntoYaml('a: [\n', { a: 1 })).to.throw(
      'the document file is not valid YAML; fix it before promoting',
    );
  });
});
