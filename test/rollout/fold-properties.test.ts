import { expect } from 'chai';
import { parseProperties } from '../../server/src/config/properties-parser.js';
import { foldIntoProperties } from '../../server/src/rollout/fold-properties.js';

describe('foldIntoProperties', () => {
  it('replaces a scalar above a new map, and a whole map below a new scalar, as the merge does', () => {
    expect(foldIntoProperties('limit=5\nkeep=1\n', { limit: { hard: 9 } })).to.equal(
      'limit.hard=9\nkeep=1\n',
    );
    expect(
      foldIntoProperties('db.pool.max=10\ndb.pool.min=1\ndb.host=a\n', { db: { pool: 'off' } }),
    ).to.equal('db.pool=off\ndb.host=a\n');
  });

  it('keeps the file’s line endings and ends a file that had no final newline', () => {
    expect(foldIntoProperties('a=1\r\nb=2\r\n', { b: 3, c: 4 })).to.equal('a=1\r\nb=3\r\nc=4\r\n');
    expect(foldIntoProperties('a=1', { b: 2 })).to.equal('a=1\nb=2\n');
    expect(foldIntoProperties('', { b: 2 })).to.equal('b=2\n');
  });

  it('escapes keys and values so the file reads them back as they were meant', () => {
    const overlay = {
      hosts: { 'db.example.com': 'primary' },
      'x y': 'v=1: #not a comment\nnext',
      greeting: ' héllo',
    };
    const folded = foldIntoProperties('# header\n', overlay);
    expect(folded.startsWith('# header\n')).to.equal(true);
    const entries = parseProperties(folded)[0]?.entries.map((e) => [e.key, e.value]);
    expect(entries).to.deep.equal([
      ['hosts[db.example.com]', 'primary'],
      ['x y', 'v=1: #not a comment\nnext'],
      ['greeting', ' héllo'],
    ]);
  });

  it('leaves a multi-document file and a broken one to a person, with a reason', () => {
    expect(() => foldIntoProperties('a=1\n#---\nb=2\n', { a: 2 })).to.throw(
      'the document file holds several documents (#---); fold the overlay into the right one by hand',
    );
    expect(() => foldIntoProperties('a=\\u12\n', { a: 2 })).to.throw(
      'the document file is not valid at line 1; fix it before promoting',
    );
  });
});
