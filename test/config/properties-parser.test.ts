import { expect } from 'chai';
import {
  parseProperties,
  PropertiesSyntaxError,
} from '../../server/src/config/properties-parser.js';

/** The key → value pairs of the first document. */
function pairs(text: string): Record<string, string> {
  const docs = parseProperties(text);
  return Object.fromEntries((docs[0]?.entries ?? []).map((e) => [e.key, e.value]));
}

// Every expected value below follows the Javadoc of java.util.Properties.load(Reader)
// (JDK 17), which spells out each rule; `#---` documents follow Spring Boot's
// OriginTrackedPropertiesLoader ("Spring Boot reference: Working With Multi-Document Files").
describe('parseProperties', () => {
  it('separates key and value with "="', () => {
    expect(pairs('a=1\n')).to.deep.equal({ a: '1' });
  });

  it('separates key and value with ":"', () => {
    expect(pairs('a:1\n')).to.deep.equal({ a: '1' });
  });

  it('separates key and value with whitespace alone', () => {
    expect(pairs('a 1\n')).to.deep.equal({ a: '1' });
  });

  it('skips whitespace around the separator, and takes only one separator', () => {
    // Javadoc: "key = value" and "key:=value" ("=value" is the value).
    expect(pairs('a  =  1\nb:=2\nc = = 3\n')).to.deep.equal({ a: '1', b: '=2', c: '= 3' });
  });

  it('keeps trailing whitespace of a value', () => {
    expect(pairs('a=1  \n')).to.deep.equal({ a: '1  ' });
  });

  it('reads a key with no value as an empty string', () => {
    // Javadoc: "cheeses" alone on a line gives key "cheeses" with value "".
    expect(pairs('cheeses\nb=\n')).to.deep.equal({ cheeses: '', b: '' });
  });

  it('ignores # and ! comments and blank lines, after leading whitespace too', () => {
    expect(pairs('# one\n! two\n\n   # three\n\t\fa=1\n')).to.deep.equal({ a: '1' });
  });

  it('keeps # inside a value: a comment only starts a line', () => {
    expect(pairs('a=1 # not a comment\n')).to.deep.equal({ a: '1 # not a comment' });
  });

  it('joins a line ending in a backslash with the next, dropping its leading whitespace', () => {
    // Javadoc: "fruits apple, banana, pear, \\\n   cantaloupe" → "apple, banana, pear, cantaloupe".
    expect(pairs('fruits apple, banana, pear, \\\n    cantaloupe\n')).to.deep.equal({
      fruits: 'apple, banana, pear, cantaloupe',
    });
  });

  it('does not continue a line ending in an even number of backslashes', () => {
    expect(pairs('a=x\\\\\nb=y\n')).to.deep.equal({ a: 'x\\', b: 'y' });
  });

  it('drops a continuation backslash at the end of the text', () => {
    expect(pairs('a=x\\')).to.deep.equal({ a: 'x' });
  });

  it('never continues a comment line', () => {
    expect(pairs('# comment \\\na=1\n')).to.deep.equal({ a: '1' });
  });

  it('reads \\uXXXX escapes', () => {
    expect(pairs('greeting=gr\\u00fc\\u00DF dich\n')).to.deep.equal({ greeting: 'grüß dich' });
  });

  it('reads \\t \\n \\r \\f and drops a backslash before any other character', () => {
    expect(pairs('a=1\\t2\\n3\\r4\\f5\nb=\\q\\"\\\\\n')).to.deep.equal({
      a: '1\t2\n3\r4\f5',
      b: 'q"\\',
    });
  });

  it('keeps escaped separators and spaces in keys', () => {
    // Javadoc: "\:\=" as a key is ":=".
    expect(pairs('\\:\\= = x\nmy\\ key=y\na\\#b=z\n')).to.deep.equal({
      ':=': 'x',
      'my key': 'y',
      'a#b': 'z',
    });
  });

  it('accepts \\r\\n and \\r line ends', () => {
    expect(pairs('a=1\r\nb=2\rc=3')).to.deep.equal({ a: '1', b: '2', c: '3' });
  });

  it('keeps the last value of a key written twice, with its line', () => {
    const [doc] = parseProperties('a=1\nb=2\na=3\n');
    expect(doc?.entries).to.deep.equal([
      { key: 'a', value: '3', line: 3 },
      { key: 'b', value: '2', line: 2 },
    ]);
  });

  it('gives each entry the line its logical line starts on', () => {
    const [doc] = parseProperties('\n# c\na=1\\\n  2\nb=3\n');
    expect(doc?.entries.map((e) => [e.key, e.line])).to.deep.equal([
      ['a', 3],
      ['b', 5],
    ]);
  });

  it('splits documents at #--- and !--- lines (Spring Boot)', () => {
    const docs = parseProperties('a=1\n#---\nb=2\n!---\nc=3\n');
    expect(docs.map((d) => [d.line, d.entries.map((e) => e.key)])).to.deep.equal([
      [1, ['a']],
      [2, ['b']],
      [4, ['c']],
    ]);
  });

  it('does not split at an indented #--- or at #----', () => {
    expect(parseProperties('a=1\n  #---\n#----\nb=2\n')).to.have.length(1);
  });

  it('refuses an unterminated \\u escape, naming the line', () => {
    let caught: unknown;
    try {
      parseProperties('a=1\nb=\\u12\n');
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(PropertiesSyntaxError);
    expect((caught as PropertiesSyntaxError).line).to.equal(2);
    expect((caught as Error).message).to.equal(
      '"\\u12" is not a \\uXXXX escape: write four hex digits, or "\\\\u" for a literal backslash-u',
    );
  });
});
