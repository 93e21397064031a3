import { expect } from 'chai';
import { presentedToken } from '../../server/src/access/authorization-header.js';
import { compileServiceGlobs } from '../../server/src/access/service-glob.js';
import { parseTokenFile } from '../../server/src/access/token-file.js';
import { TokenStore } from '../../server/src/access/token-store.js';
import { basic, sha256, STANDARD_TOKENS, tokenFileText, TOKENS } from './access-helpers.js';

const HASH = sha256('t');

describe('Token file', () => {
  describe('parseTokenFile', () => {
    it('reads names, lower-cased hashes, globs and admin flags', () => {
      const text = `tokens:\n  - name: a\n    sha256: ${HASH.toUpperCase()}\n    services: [orders, "orders-*"]\n  - name: ops\n    sha256: ${sha256('u')}\n    admin: true\n`;
      expect(parseTokenFile(text)).to.deep.equal([
        { name: 'a', sha256: HASH, services: ['orders', 'orders-*'], admin: false },
        { name: 'ops', sha256: sha256('u'), services: [], admin: true },
      ]);
    });

    it('explains each mistake in one sentence that names the entry and never the token', () => {
      const entry = (fields: string) =>
        `tokens:\n  - name: ok\n    sha256: ${sha256('x')}\n    services: [x]\n  - ${fields}\n`;
      const cases: [string, string][] = [
        ['', 'the token file is invalid: the file must be a mapping with a "tokens" list'],
        ['tokens: orders\n', 'the token file is invalid: tokens must be a list'],
        [
          entry(`name: b\n    sha256: ${HASH}\n    services: [x]\n    admin: yes please`),
          'the token file is invalid: tokens[1].admin must be a boolean',
        ],
        ['tokens: [\n', 'the token file is not valid YAML (line 2)'],
        ['tokenz: []\n', 'the token file is invalid: the file is missing "tokens"'],
        [
          entry(`name: b\n    sha256: my-secret-token\n    services: [x]`),
          'the token file is invalid: tokens[1].sha256 must be 64 hex digits (the SHA-256 of the token, not the token)',
        ],
        [
          entry(`name: b\n    sha256: ${HASH}`),
          'the token file is invalid: tokens[1] is missing "services"',
        ],
        [
          entry(`name: b\n    sha256: ${HASH}\n    admin: false`),
          'the token file is invalid: tokens[1] is missing "services"',
        ],
        [
          entry(`name: b\n    sha256: ${HASH}\n    services: [Orders]`),
          "the token file is invalid: tokens[1].services[0] must be a service name or glob (a-z, 0-9, '_', '.', '-', '*')",
        ],
        [
          entry(`name: b\n    sha256: ${HASH}\n    services: [x]\n    admn: true`),
          'the token file is invalid: tokens[1] has an unknown field "admn"',
        ],
        [
          entry(`name: b c\n    sha256: ${HASH}\n    services: [x]`),
          "the token file is invalid: tokens[1].name must be 1-64 letters, digits, '_', '.', '@' or '-'",
        ],
        [
          entry(`name: ok\n    sha256: ${HASH}\n    services: [x]`),
          'the token file is invalid: tokens[1] has the same name as tokens[0]',
        ],
        [
          entry(`name: b\n    sha256: ${sha256('x')}\n    services: [x]`),
          'the token file is invalid: tokens[1] has the same sha256 as tokens[0]',
        ],
      ];
      for (const [text, message] of cases) {
        expect(() => parseTokenFile(text), message).to.throw(message);
      }
    });
  });

  describe('service globs', () => {
    it('treats only * as special and anchors both ends', () => {
      const match = compileServiceGlobs(['orders', 'orders-*', '*.eu', 'a.b']);
      const yes = ['orders', 'orders-', 'orders-audit', 'billing.eu', 'a.b'];
      const no = ['ordersx', 'xorders', 'orders2', 'billing', 'axb', 'billing.eux', ''];
      for (const s of yes) expect(match(s), s).to.equal(true);
      for (const s of no) expect(match(s), s).to.equal(false);
      expect(compileServiceGlobs([])('orders')).to.equal(false);
      expect(compileServiceGlobs(['*'])('anything')).to.equal(true);
    });
  });

  describe('Authorization header', () => {
    it('takes Bearer tokens and the Basic password, whatever the user name or scheme case', () => {
      expect(presentedToken('Bearer abc')).to.equal('abc');
      expect(presentedToken('bearer abc')).to.equal('abc');
      expect(presentedToken(basic('spring', 'p:w').Authorization)).to.equal('p:w');
      expect(presentedToken(basic('', 'pw').Authorization)).to.equal('pw');
      expect(presentedToken(`basic ${Buffer.from('u:pw').toString('base64')}`)).to.equal('pw');
    });

    it('finds no token in anything else', () => {
      for (const header of [
        undefined,
        '',
        'Bearer',
        'Bearer ',
        'Bearer a b',
        'abc',
        'Token abc',
        'Basic ',
        'Basic !!',
        basic('u', '').Authorization,
        `Basic ${Buffer.from('nocolon').toString('base64')}`,
        `Bearer ${'x'.repeat(5000)}`,
      ]) {
        expect(presentedToken(header), String(header)).to.equal(undefined);
      }
    });
  });

  describe('TokenStore', () => {
    it('identifies each token by its hash and scopes it; unknown tokens are nobody', () => {
      const store = new TokenStore(parseTokenFile(tokenFileText(STANDARD_TOKENS)));
      const orders = store.identify(`Bearer ${TOKENS.orders}`);
      expect(orders?.name).to.equal('orders-service');
      expect(orders?.admin).to.equal(false);
      expect([
        orders?.canRead('orders'),
        orders?.canRead('orders-x'),
        orders?.canRead('billing'),
      ]).to.deep.equal([true, true, false]);
      const ops = store.identify(basic('x', TOKENS.ops).Authorization);
      expect([ops?.name, ops?.admin, ops?.canRead('anything')]).to.deep.equal(['ops', true, true]);
      expect(store.identify('Bearer nope')).to.equal(undefined);
      expect(store.identify(`Bearer ${sha256(TOKENS.orders)}`)).to.equal(undefined);
      store.replace([]);
      expect(store.identify(`Bearer ${TOKENS.orders}`)).to.equal(undefined);
    });
  });
});
