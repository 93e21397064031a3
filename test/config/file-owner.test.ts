import { expect } from 'chai';
import {
  documentOwners,
  isSharedBase,
  ownerOf,
  sourceOwner,
} from '../../server/src/config/file-owner.js';

// DESIGN §7: `{a}-{b}.yml` is profile `{b}` of `{a}` unless `{a}-{b}` has a schema.
describe('file-owner', () => {
  describe('#ownerOf', () => {
    it('gives a file to the service its own schema declares', () => {
      expect(ownerOf('orders-admin', new Set(['orders', 'orders-admin']))).to.equal('orders-admin');
    });

    it('gives a profile file to the longest schema-declared prefix', () => {
      const schemas = new Set(['orders', 'orders-admin']);
      expect(ownerOf('orders-admin-eu', schemas)).to.equal('orders-admin');
      expect(ownerOf('orders-dev', schemas)).to.equal('orders');
      expect(ownerOf('orders', schemas)).to.equal('orders');
    });

    it('leaves a file no schema claims, and the shared application files, unowned', () => {
      expect(ownerOf('camera-registry-prod', new Set<string>())).to.equal(undefined);
      expect(ownerOf('application-dev', new Set(['application-dev']))).to.equal(undefined);
      expect([isSharedBase('application'), isSharedBase('applications')]).to.deep.equal([
        true,
        false,
      ]);
    });

    it('accepts a snapshot schema map', () => {
      expect(ownerOf('billing-eu', new Map([['billing', 'blob']]))).to.equal('billing');
    });
  });

  describe('#sourceOwner', () => {
    const schemas = new Set(['orders', 'orders-admin']);

    it('keeps orders-admin.yml out of orders documents when orders-admin has a schema', () => {
      expect(sourceOwner('orders-admin', 'orders', schemas)).to.deep.equal({ use: false });
      expect(sourceOwner('orders-admin-eu', 'orders', schemas)).to.deep.equal({ use: false });
    });

    it("counts a file as the reading service's own when no schema claims it", () => {
      expect(sourceOwner('orders-dev', 'orders', schemas)).to.deep.equal({
        use: true,
        owner: 'orders',
      });
      expect(sourceOwner('camera-registry-prod', 'camera-registry', new Set())).to.deep.equal({
        use: true,
        owner: 'camera-registry',
      });
    });

    it('names the shorter schema-declared owner a sub-named service reads from', () => {
      // `orders-x` has no schema: orders-x.yml is profile `x` of `orders`, whose token it needs.
      expect(sourceOwner('orders-x', 'orders-x', schemas)).to.deep.equal({
        use: true,
        owner: 'orders',
      });
    });

    it("gives a comma list's files to the application each names, never to the list", () => {
      expect(sourceOwner('orders-x', 'orders,orders-x', new Set())).to.deep.equal({
        use: true,
        owner: 'orders-x',
      });
      expect(sourceOwner('orders-dev', 'orders,billing', new Set())).to.deep.equal({
        use: true,
        owner: 'orders',
      });
      expect(sourceOwner('orders-admin', 'billing,orders', schemas)).to.deep.equal({ use: false });
      expect(documentOwners('orders,orders-x', ['orders-x', 'orders'], new Set())).to.deep.equal([
        'orders',
        'orders-x',
      ]);
    });

    it('lets every service read the shared files, owned by none', () => {
      expect(sourceOwner('application-admin', 'orders', schemas)).to.deep.equal({
        use: true,
        owner: undefined,
      });
    });
  });
});
