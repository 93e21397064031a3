import { expect } from 'chai';
import {
  applyMergePatch,
  parseServerMessage,
  subscriptionId,
  type JsonValue,
} from '@hotconf/client';

describe('protocol helpers', () => {
  describe('applyMergePatch', () => {
    // RFC 7386, Appendix A.
    const CASES: [JsonValue, JsonValue, JsonValue][] = [
      [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
      [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      [{ a: 'b' }, { a: null }, {}],
      [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
      [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
      [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
      [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      [
        ['a', 'b'],
        ['c', 'd'],
        ['c', 'd'],
      ],
      [{ a: 'b' }, ['c'], ['c']],
      [{ a: 'foo' }, null, null],
      [{ a: 'foo' }, 'bar', 'bar'],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [[1, 2], { a: 'b', c: null }, { a: 'b' }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, result] of CASES) {
      it(`patches ${JSON.stringify(target)} with ${JSON.stringify(patch)}`, () => {
        const before = JSON.stringify(target);
        expect(applyMergePatch(target, patch)).to.deep.equal(result);
        expect(JSON.stringify(target)).to.equal(before);
      });
    }

    it('shares the subtrees the patch does not touch', () => {
      const target = { db: { pool: { max: 1 } }, kafka: { brokers: ['a'] } };
      const patched = applyMergePatch(target, { db: { pool: { max: 2 } } }) as typeof target;
      expect(patched.kafka).to.equal(target.kafka);
      expect(patched.db.pool.max).to.equal(2);
    });
  });

  describe('parseServerMessage', () => {
    it('accepts each server message type and refuses malformed ones', () => {
      const v = 'a'.repeat(40);
      expect(
        parseServerMessage(`{"type":"subscribed","id":"x","version":"${v}","etag":"e"}`),
      ).to.deep.equal({
        type: 'subscribed',
        id: 'x',
        version: v,
        etag: 'e',
      });
      expect(parseServerMessage('{"type":"error","code":"HC_X","message":"m"}')).to.deep.equal({
        type: 'error',
        code: 'HC_X',
        message: 'm',
      });
      for (const bad of [
        'not json',
        '[]',
        '{"type":"hello"}',
        `{"type":"snapshot","id":"x","version":"${v}","etag":"e","config":[]}`,
        `{"type":"change","id":"x","version":"${v}","etag":"e","config":{},"changedKeys":[1]}`,
        `{"type":"patch","id":"x","version":"${v}","etag":"e","patch":{},"changedKeys":[]}`,
        '{"type":"error","code":"HC_X"}',
      ]) {
        expect(parseServerMessage(bad), bad).to.equal(undefined);
      }
    });
  });

  describe('subscriptionId', () => {
    it('is the same for the same document in every process, and at most 128 characters', () => {
      expect(subscriptionId('orders', ['dev', 'eu'], 'main')).to.equal('orders/dev,eu@main');
      expect(subscriptionId('orders', ['default'], null)).to.equal('orders/default@');
      const long = subscriptionId('orders', ['dev'], `release/${'x'.repeat(150)}`);
      expect(long).to.match(/^orders\/#[0-9a-f]{40}$/);
      expect(subscriptionId('orders', ['dev'], `release/${'x'.repeat(150)}`)).to.equal(long);
    });
  });
});
