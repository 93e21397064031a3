import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, settle, startServer } from '../helpers/server.js';

describe('Publisher', () => {
  let repo: GitFixture;
  let server: HotconfServer;

  beforeEach(async () => {
    repo = await GitFixture.create({
      'application.yml': 'shared: 1\n',
      'orders.yml': 'a: 1\n',
      'payments.yml': 'b: 1\n',
    });
    server = await startServer({ repo: repo.dir, pollInterval: 3600 });
  });

  afterEach(async () => {
    await server.close();
    await repo.remove();
  });

  const get = async (service: string) =>
    (await request(`${server.url}/v1/config/${service}/default`)).json;

  describe('#labelsMoved', () => {
    it('moves an untouched document to the new version without changing its content or etag', async () => {
      const before = await get('orders');
      const commit = await repo.commit({ 'payments.yml': 'b: 2\n' });
      await settle(server);
      const after = await get('orders');
      expect(after.version).to.equal(commit);
      expect(after.etag).to.equal(before.etag);
      expect(after.config).to.deep.equal({ shared: 1, a: 1 });
      expect((await get('payments')).config).to.deep.equal({ shared: 1, b: 2 });
    });

    it('re-evaluates every document a shared file feeds', async () => {
      const commit = await repo.commit({ 'application.yml': 'shared: 2\n' });
      await settle(server);
      for (const service of ['orders', 'payments']) {
        const body = await get(service);
        expect(body.version).to.equal(commit);
        expect(body.config.shared).to.equal(2);
      }
    });

    it('publishes a service added by a commit, and forgets one whose files are gone', async () => {
      await repo.commit({ 'billing.yml': 'c: 1\n', 'payments.yml': null });
      await settle(server);
      expect((await get('billing')).config).to.deep.equal({ shared: 1, c: 1 });
      const gone = await request(`${server.url}/v1/config/payments/default`);
      expect(gone.status).to.equal(404);
      expect(gone.json.error.code).to.equal('HC_SERVICE_NOT_FOUND');
    });
  });
});
