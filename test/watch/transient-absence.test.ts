import { expect } from 'chai';
import { connect, type HotconfClient } from '@hotconf/client';
import type { HotconfServer } from '../../server/src/create-server.js';
import type { GitFixture } from '../helpers/git-fixture.js';
import { request, settle } from '../helpers/server.js';
import { FAST_RETRY, Sandbox, waitFor } from '../sdk/sdk-helpers.js';

type Orders = { db: { pool: number } };

describe('subscriptions across a transient absence (the real SDK)', () => {
  const sandbox = new Sandbox();
  let repo: GitFixture;
  let server: HotconfServer;
  let client: HotconfClient<Orders>;
  let errors: string[];

  beforeEach(async () => {
    repo = await sandbox.repo({ 'orders.yml': 'db:\n  pool: 1\n', 'billing.yml': 'fee: 1\n' });
    server = await sandbox.server(repo);
    client = sandbox.track(
      await connect<Orders>({ server: server.url, service: 'orders', retry: FAST_RETRY }),
    );
    errors = [];
    client.on('error', (e) => errors.push(e.message));
    await waitFor(() => client.connected, 'the SDK to connect');
  });

  afterEach(() => sandbox.dispose());

  it('keeps the subscription when the branch is renamed away and back, and delivers the next commit', async () => {
    await repo.git('branch', '-m', 'main', 'elsewhere');
    await settle(server);
    expect((await request(`${server.url}/v1/config/orders/default`)).status).to.equal(404);
    await repo.git('branch', '-m', 'elsewhere', 'main');
    await settle(server);
    const commit = await repo.commit({ 'orders.yml': 'db:\n  pool: 2\n' });
    await waitFor(() => client.config.db.pool === 2, 'the change after the branch came back', 8000);
    expect(client.version).to.equal(commit);
    expect(client.connected).to.equal(true);
    expect(errors).to.deep.equal([]);
  });

  it('keeps the subscription when the service file is deleted and recreated', async () => {
    await repo.commit({ 'orders.yml': null }, 'remove orders');
    await settle(server);
    expect((await request(`${server.url}/v1/config/orders/default`)).json.error.code).to.equal(
      'HC_SERVICE_NOT_FOUND',
    );
    const commit = await repo.commit({ 'orders.yml': 'db:\n  pool: 3\n' }, 'restore orders');
    await waitFor(() => client.config.db.pool === 3, 'the recreated document', 8000);
    expect(client.version).to.equal(commit);
    expect(client.connected).to.equal(true);
    expect(errors).to.deep.equal([]);
    // And it keeps following later commits.
    await repo.commit({ 'orders.yml': 'db:\n  pool: 4\n' });
    await waitFor(() => client.config.db.pool === 4, 'the commit after that', 8000);
  });
});
