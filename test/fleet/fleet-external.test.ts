import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, startServer } from '../helpers/server.js';

describe('Fleet registry: instances heard through Spring Cloud Bus', () => {
  let repo: GitFixture;
  let server: HotconfServer;

  beforeEach(async () => {
    repo = await GitFixture.create({ 'orders.yml': 'pool: 1\n' });
    server = await startServer({ repo: repo.dir });
  });

  afterEach(async () => {
    await server.close();
    await repo.remove();
  });

  it('lists a Spring instance by the version it refreshed to, beside SDK instances', async () => {
    const head = await repo.head();
    server.parts?.fleet.recordExternal({
      instanceId: 'orders:8080:a1b2',
      source: 'spring-bus',
      service: 'orders',
      label: 'main',
      appliedVersion: head,
      host: 'orders-7f9c',
    });
    const overview = (await request(`${server.url}/v1/fleet`)).json;
    expect(overview.documents[0]).to.deep.include({
      service: 'orders',
      online: 1,
      applied: 1,
      summary: `1 of 1 on ${head.slice(0, 7)}`,
    });
    const one = (await request(`${server.url}/v1/instances/orders:8080:a1b2`)).json;
    expect(one).to.deep.include({ source: 'spring-bus', host: 'orders-7f9c', online: true });
    expect(one.documents[0]).to.deep.include({ etag: null, version: head, error: null });

    server.parts?.fleet.recordExternal({
      instanceId: 'orders:8080:a1b2',
      source: 'spring-bus',
      service: 'orders',
      label: 'main',
      error: 'refresh failed: Binding to target failed',
    });
    const failed = (await request(`${server.url}/v1/fleet/orders/default?state=failed`)).json;
    expect(failed.instances.map((i: { id: string }) => i.id)).to.deep.equal(['orders:8080:a1b2']);
  });
});
