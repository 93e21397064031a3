import { expect } from 'chai';
import { mayFeed, ownerOf } from '../../server/src/config/file-owner.js';

// DESIGN §7: `{a}-{b}.yml` is profile `{b}` of `{a}` unless `{a}-{b}` has a schema; then it
// belongs to `{a}-{b}` alone.
describe('ownerOf', () => {
  const schemas = new Set(['orders', 'orders-admin']);
  const hasSchema = (s: string) => schemas.has(s);

  it('gives a file to the longest schema-declared prefix of its name', () => {
    expect(ownerOf('orders-admin', hasSchema)).to.equal('orders-admin');
    expect(ownerOf('orders-admin-prod', hasSchema)).to.equal('orders-admin');
    expect(ownerOf('orders-dev', hasSchema)).to.equal('orders');
    expect(ownerOf('orders', hasSchema)).to.equal('orders');
  });

  it('leaves a file no schema claims to whoever reads it', () => {
    expect(ownerOf('payments-dev', hasSchema)).to.equal(undefined);
  });
});

describe('mayFeed', () => {
  const hasSchema = (s: string) => s === 'orders-admin';

  it('keeps a schema-owned file out of a shorter service', () => {
    expect(mayFeed('orders-admin', 'orders', hasSchema)).to.equal(false);
    expect(mayFeed('orders-admin-prod', 'orders', hasSchema)).to.equal(false);
    expect(mayFeed('orders-admin', 'orders-admin', hasSchema)).to.equal(true);
    expect(mayFeed('orders-dev', 'orders', hasSchema)).to.equal(true);
  });

  it('lets every service read application files', () => {
    expect(mayFeed('application-admin', 'orders', hasSchema)).to.equal(true);
  });
});
