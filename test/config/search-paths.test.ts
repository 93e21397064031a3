import { expect } from 'chai';
import { SearchPath } from '../../server/src/config/search-paths.js';
import { changedInputs, inputsOf, touches } from '../../server/src/publish/changed-inputs.js';
import type { Snapshot } from '../../server/src/git/snapshot.js';

// Spring's AbstractScmAccessor#getSearchLocations: "/" first, then each entry once per
// profile with the placeholders filled in; Spring Boot lets a later location win.
describe('SearchPath', () => {
  describe('#locations', () => {
    it('starts at the top level and fills each entry once per profile, in order', () => {
      const sp = SearchPath.parse('{application},{profile}/{application}, shared');
      expect(sp.locations('orders', ['dev', 'eu'], 'main')).to.deep.equal([
        '',
        'orders/',
        'dev/orders/',
        'eu/orders/',
        'shared/',
      ]);
    });

    it('leaves out {label} entries without a label, and labels that would leave the folder', () => {
      const sp = SearchPath.parse('{label}');
      expect(sp.locations('orders', ['default'])).to.deep.equal(['']);
      expect(sp.locations('orders', ['default'], 'release/1.0')).to.deep.equal([
        '',
        'release/1.0/',
      ]);
    });
  });

  describe('#folders', () => {
    it('ranks later locations first and the top level last; * matches by name order', () => {
      const sp = SearchPath.parse('teams/*,{application}');
      const available = ['', 'orders/', 'payments/', 'teams/a/', 'teams/b/', 'teams/b/c/'];
      expect(sp.folders(available, 'orders', ['default'])).to.deep.equal([
        'orders/',
        'teams/b/',
        'teams/a/',
        '',
      ]);
    });

    it('is the top level alone without a search path', () => {
      expect(
        SearchPath.parse(undefined).folders(['', 'orders/'], 'orders', ['default']),
      ).to.deep.equal(['']);
    });
  });

  describe('touches', () => {
    const snapshot = (files: Record<string, string>): Snapshot => ({
      commit: { id: 'c', author: '', email: '', time: '', message: '', parents: [] },
      files: new Map(Object.entries(files)),
      schemas: new Map(),
      prefix: '',
    });

    it('reaches the documents whose folders hold the changed file, and no others', () => {
      const sp = SearchPath.parse('{application},{profile}');
      const changed = changedInputs(
        snapshot({ 'orders/application.yml': 'a', 'prod/orders.yml': 'b' }),
        snapshot({ 'orders/application.yml': 'a2', 'prod/orders.yml': 'b' }),
      );
      const reached = (service: string, profiles: string[]) =>
        touches(changed, service, inputsOf(service, profiles), sp.folderTest(service, profiles));
      expect(reached('orders', ['default'])).to.equal(true);
      expect(reached('payments', ['default'])).to.equal(false);
      const prodOnly = changedInputs(
        snapshot({ 'prod/orders.yml': 'b' }),
        snapshot({ 'prod/orders.yml': 'b2' }),
      );
      expect(
        touches(
          prodOnly,
          'orders',
          inputsOf('orders', ['prod']),
          sp.folderTest('orders', ['prod']),
        ),
      ).to.equal(true);
      expect(
        touches(prodOnly, 'orders', inputsOf('orders', ['dev']), sp.folderTest('orders', ['dev'])),
      ).to.equal(false);
    });
  });
});
