import { expect } from 'chai';
import { lineOf, parseConfigFile, type ParsedFile } from '../../server/src/config/parse-file.js';

/** The documents' configs, or the problem's message. */
function read(file: string, text: string, maxDocumentBytes?: number): unknown {
  const parsed = parseConfigFile(file, text, maxDocumentBytes ? { maxDocumentBytes } : {});
  return parsed.ok ? parsed.documents.map((d) => d.config) : parsed.problem.message;
}

function problem(parsed: ParsedFile) {
  if (parsed.ok) throw new Error('expected a problem');
  return parsed.problem;
}

function applies(file: string, text: string, profiles: string[]): number[] {
  const parsed = parseConfigFile(file, text);
  if (!parsed.ok) throw new Error(parsed.problem.message);
  return parsed.documents
    .filter(
      (d) =>
        d.activation === 'always' || (d.activation !== 'never' && d.activation(new Set(profiles))),
    )
    .map((d) => d.index);
}

describe('parseConfigFile', () => {
  describe('YAML', () => {
    it('refuses a key written twice in the same map, naming the line', () => {
      expect(
        problem(parseConfigFile('orders.yml', 'db:\n  pool: 1\n  host: a\n  pool: 2\n')),
      ).to.deep.equal({
        file: 'orders.yml',
        path: '',
        line: 4,
        message: 'orders.yml line 4: key "pool" appears twice in the same map',
      });
    });

    it('allows the same key in different maps', () => {
      expect(read('orders.yml', 'a:\n  x: 1\nb:\n  x: 2\n')).to.deep.equal([
        { a: { x: 1 }, b: { x: 2 } },
      ]);
    });

    it('treats an empty file as no document and refuses a top level that is not a map', () => {
      expect(read('orders.yml', '# nothing yet\n')).to.deep.equal([]);
      expect(read('orders.yml', '- a\n- b\n')).to.equal(
        'orders.yml line 1: must hold a map of settings at the top level',
      );
    });

    // Spring Boot reference, "Working With YAML": `a.b: 1` and `a: {b: 1}` bind the same
    // property; "[...]" keeps the dots of a map key ("Binding Maps").
    it('nests dotted keys as Spring reads them, and keeps bracketed keys whole', () => {
      expect(read('x.yml', 'a.b: 1\na:\n  c: 2\nhosts:\n  "[db.example.com]": 5\n')).to.deep.equal([
        { a: { b: 1, c: 2 }, hosts: { 'db.example.com': 5 } },
      ]);
    });

    it('refuses a dotted key that collides with a nested one, naming both lines', () => {
      expect(read('x.yml', 'a.b: 1\na:\n  b: 2\n')).to.equal(
        'x.yml line 3: "b" (line 3) and "a.b" (line 1) both set "a.b": keep one',
      );
    });

    it('refuses a key that is both a value and a parent', () => {
      expect(read('x.yml', 'a: 1\na.b: 2\n')).to.equal(
        'x.yml line 2: "a.b" (line 2) and "a" (line 1) both set "a" — one as a value, one as a parent of other keys: keep one',
      );
    });

    it("applies << merge keys, the map's own keys winning", () => {
      expect(read('x.yml', 'base: &b {x: 1, y: 1}\nc:\n  <<: *b\n  y: 2\n')).to.deep.equal([
        { base: { x: 1, y: 1 }, c: { x: 1, y: 2 } },
      ]);
    });

    it('refuses numbers JSON cannot carry', () => {
      expect(read('x.yml', 'a: .inf\n')).to.equal(
        'x.yml line 1: ".inf" is a number JSON cannot carry: quote it if you mean text',
      );
      expect(read('x.yml', 'a: .nan\n')).to.match(/"\.nan" is a number JSON cannot carry/);
      expect(read('x.yml', 'a: 1e400\n')).to.match(/"1e400" is a number JSON cannot carry/);
    });

    it('refuses __proto__ as a key, plain or dotted', () => {
      expect(read('x.yml', 'a:\n  __proto__:\n    x: 1\n')).to.equal(
        'x.yml line 2: key "__proto__" uses "__proto__", which is not allowed',
      );
      expect(read('x.yml', 'a.__proto__.x: 1\n')).to.equal(
        'x.yml line 1: key "a.__proto__.x" uses "__proto__", which is not allowed',
      );
    });

    it('refuses nesting deeper than 64, even 2,000 deep, without a stack overflow', () => {
      let text = '';
      for (let i = 0; i < 70; i++) text += `${'  '.repeat(i)}k${i}:\n`;
      text += `${'  '.repeat(70)}x: 1\n`;
      expect(read('x.yml', text)).to.match(/^x\.yml line \d+: nests deeper than 64 levels$/);
      const flow = `a: ${'['.repeat(2000)}${']'.repeat(2000)}\n`;
      expect(read('x.yml', flow)).to.match(
        /^x\.yml( line \d+)?: nests (deeper than 64 levels|too deeply)/,
      );
    });

    it('refuses aliases that expand past the document size limit', () => {
      const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
      for (let i = 1; i < 8; i++) {
        const name = String.fromCharCode(97 + i);
        const prev = String.fromCharCode(96 + i);
        bomb.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
      }
      const started = performance.now();
      expect(read('x.yml', `${bomb.join('\n')}\n`, 1_000_000)).to.match(
        /^x\.yml line \d+: expands to more than 1000000 bytes \(HOTCONF_MAX_DOCUMENT_BYTES\), counting what its aliases repeat$/,
      );
      expect(performance.now() - started).to.be.below(2000);
    });

    it('says what to do about each kind of syntax error, with the line', () => {
      expect(read('x.yml', 'a:\n\t- b\n')).to.equal(
        'x.yml line 2: is not valid YAML: a tab is used for indentation: YAML needs spaces',
      );
      expect(read('x.yml', 'a: "open\n')).to.equal(
        'x.yml line 2: is not valid YAML: a quote or bracket is not closed: close it on this line',
      );
      expect(read('x.yml', 'a: &x 1\nb: *y\n')).to.equal(
        'x.yml line 2: alias "*y" names no anchor: define "&y" above it',
      );
    });

    it('refuses a billion-laughs file under the default limit without expanding it', () => {
      // Issue 13 item 9: 9 levels of 9 aliases is 387 million items once expanded.
      const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
      for (let i = 1; i < 9; i++) {
        const name = String.fromCharCode(97 + i);
        const prev = String.fromCharCode(96 + i);
        bomb.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
      }
      const started = performance.now();
      expect(read('x.yml', `${bomb.join('\n')}\n`)).to.equal(
        'x.yml line 1: expands to more than 10485760 bytes (HOTCONF_MAX_DOCUMENT_BYTES), counting what its aliases repeat',
      );
      expect(performance.now() - started).to.be.below(1000);
    });

    it('speaks its own words for a syntax error, with the line', () => {
      expect(read('x.yml', 'a: 1\nb: [1, 2\nc: 3\n')).to.match(
        /^x\.yml line \d: is not valid YAML: /,
      );
    });
  });

  describe('multi-document YAML', () => {
    const file = [
      'a: 1', // document #0, line 1
      '---',
      'spring.config.activate.on-profile: dev',
      'a: 2',
      '---',
      'spring:',
      '  profiles: "!dev"', // legacy form
      'a: 3',
      '---',
      'spring.config.activate.on-cloud-platform: kubernetes',
      'a: 4',
      '---',
      'spring.config.activate.on-profile: "dev & eu | us"',
      '',
    ].join('\n');

    it('reads every document, numbered as Spring numbers them', () => {
      const parsed = parseConfigFile('application.yml', '---\n---\na: 1\n---\nb: 2\n');
      expect(parsed.ok && parsed.documents.map((d) => [d.index, d.line, d.config])).to.deep.equal([
        [0, 3, { a: 1 }],
        [1, 5, { b: 2 }],
      ]);
      expect(parsed.ok && parsed.multi).to.equal(true);
    });

    it('applies documents by spring.config.activate.on-profile and legacy spring.profiles', () => {
      const ok = file.split('\n').slice(0, 11).join('\n');
      expect(applies('application.yml', ok, ['dev'])).to.deep.equal([0, 1]);
      expect(applies('application.yml', ok, ['default'])).to.deep.equal([0, 2]);
    });

    it('never applies an on-cloud-platform document', () => {
      const ok = file.split('\n').slice(0, 11).join('\n');
      expect(applies('application.yml', ok, ['kubernetes', 'dev'])).to.not.include(3);
    });

    it('refuses a malformed expression with the line of its document', () => {
      expect(read('application.yml', file)).to.equal(
        'application.yml line 13: profile expression "dev & eu | us" mixes "&" and "|" without parentheses: write "(a & b) | c" or "a & (b | c)" (in spring.config.activate.on-profile)',
      );
      for (const bad of ['dev &', '(dev', '!']) {
        expect(read('a.yml', `a: 1\n---\nspring.config.activate.on-profile: "${bad}"\n`)).to.match(
          /^a\.yml line 3: profile expression ".*" (ends where a profile name is expected|has a "\(" without its "\)")/,
        );
      }
    });

    it('refuses a 10,000-document file quickly', () => {
      const text = Array.from({ length: 10_000 }, (_, i) => `k${i}: ${i}`).join('\n---\n');
      const started = performance.now();
      expect(read('big.yml', text)).to.equal(
        'big.yml line 2000: has 10000 documents; at most 1000 are allowed in one file: split it',
      );
      expect(performance.now() - started).to.be.below(5000);
    });
  });

  describe('JSON', () => {
    it('refuses a key written twice in one object, which JSON.parse would hide', () => {
      expect(read('x.json', '{\n  "a": 1,\n  "a": 2\n}\n')).to.equal(
        'x.json line 3: key "a" appears twice in the same object',
      );
    });

    it('refuses a dotted key that collides with a nested one', () => {
      expect(read('x.json', '{"a.b": 1, "a": {"b": 2}}')).to.equal(
        'x.json: "b" ("b") and "a.b" ("a.b") both set "a.b": keep one',
      );
    });

    it('refuses __proto__, 1e400 and nesting 2,000 deep', () => {
      expect(read('x.json', '{"__proto__": {"x": 1}}')).to.equal(
        'x.json: key "__proto__" uses "__proto__", which is not allowed',
      );
      expect(read('x.json', '{"a": 1e400}')).to.equal(
        'x.json: "Infinity" is a number JSON cannot carry: quote it if you mean text',
      );
      const deep = `{"a": ${'['.repeat(2000)}${']'.repeat(2000)}}`;
      expect(read('x.json', deep)).to.equal('x.json line 1: nests deeper than 64 levels');
    });

    it('treats a JSON file that is not a map as not config', () => {
      expect(read('list.json', '[1, 2]')).to.deep.equal([]);
      expect(read('text.json', '"hello"')).to.deep.equal([]);
    });

    it('names the line of a syntax error', () => {
      expect(read('x.json', '{\n  "a": 1,\n  "b" 2\n}')).to.match(
        /^x\.json line 3: is not valid JSON: /,
      );
    });
  });

  describe('.properties', () => {
    it('nests dotted keys, reads [n] as list items, keeps values as strings', () => {
      expect(
        read(
          'foo.properties',
          'a.b=1\na.c=true\nlist[0]=x\nlist[1].name=y\nhosts[db.example.com]=5\n',
        ),
      ).to.deep.equal([
        { a: { b: '1', c: 'true' }, list: ['x', { name: 'y' }], hosts: { 'db.example.com': '5' } },
      ]);
    });

    it('refuses a key that is both a value and a parent, naming both lines', () => {
      expect(read('foo.properties', 'a=1\nx=2\na.b=2\n')).to.equal(
        'foo.properties line 3: "a.b" (line 3) and "a" (line 1) both set "a" — one as a value, one as a parent of other keys: keep one',
      );
    });

    it('refuses a list that skips an index', () => {
      expect(read('foo.properties', 'l[0]=a\nl[2]=c\n')).to.equal(
        'foo.properties line 1: list "l" (line 1) has no item [1]: number its items from 0 without gaps',
      );
    });

    it('splits #--- documents and activates them by profile', () => {
      const text = 'a=1\n#---\nspring.config.activate.on-profile=dev\na=2\n';
      expect(applies('foo.properties', text, ['dev'])).to.deep.equal([0, 1]);
      expect(applies('foo.properties', text, ['prod'])).to.deep.equal([0]);
    });

    it('refuses an unterminated \\u12 with its line', () => {
      expect(read('foo.properties', 'a=1\nb=x\\u12')).to.equal(
        'foo.properties line 2: "\\u12" is not a \\uXXXX escape: write four hex digits, or "\\\\u" for a literal backslash-u',
      );
    });

    it('refuses __proto__ in a key', () => {
      expect(read('foo.properties', '__proto__.polluted=1\n')).to.equal(
        'foo.properties line 1: key "__proto__.polluted" uses "__proto__", which is not allowed',
      );
    });

    it('refuses a file over the document size limit quickly, 20 MB included', () => {
      const big = 'key.number.x=value value value value value\n'.repeat(500_000);
      expect(big.length).to.be.above(20_000_000);
      const started = performance.now();
      expect(read('big.properties', big)).to.equal(
        'big.properties: is larger than 10485760 bytes (HOTCONF_MAX_DOCUMENT_BYTES)',
      );
      expect(performance.now() - started).to.be.below(2000);
    });
  });
});

describe('lineOf', () => {
  it('finds a setting written with dotted keys in YAML', () => {
    expect(lineOf('a: 1\ndb.pool:\n  max: 900\n', ['db', 'pool', 'max'])).to.equal(3);
    expect(lineOf('a: 1\ndb.pool.max: 900\n', ['db', 'pool', 'max'])).to.equal(2);
  });

  it('finds a setting in a later document of a multi-document file', () => {
    expect(lineOf('a: 1\n---\nb: 2\na: 3\n', ['a'], 'x.yml', 1)).to.equal(4);
  });

  it('finds a setting in a .properties file, list items included', () => {
    const text = '# c\nserver.port=1\nhosts[0]=a\nhosts[1]=b\n#---\nserver.port=2\n';
    expect(lineOf(text, ['server', 'port'], 'x.properties', 0)).to.equal(2);
    expect(lineOf(text, ['hosts', 1], 'x.properties', 0)).to.equal(4);
    expect(lineOf(text, ['server', 'port'], 'x.properties', 1)).to.equal(6);
  });
});
