import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, startServer } from '../helpers/server.js';

// Spring Cloud Config resolves `/{app}/{profile}` from `{app}-{profile}.yml` whether or not
// `{app}.yml` exists (its file names come from `spring.config.name={app}` and the profiles);
// DESIGN §7 keeps `{a}-{b}.yml` for service `{a}-{b}` alone when it has a schema.
describe('application names as Spring resolves them', () => {
  let repo: GitFixture;
  let server: HotconfServer;

  before(async () => {
    repo = await GitFixture.create({
      'application.yml': 'shared: 1\n',
      'payments-dev.yml': 'fee: 2\n',
      'orders.yml': 'who: orders\n',
      'orders-admin.yml': 'who: orders-admin\npassword: hunter2\n',
      'schemas/orders-admin.schema.json': '{"type": "object"}',
      'both.properties': 'who=properties\nonly.properties=1\n',
      'both.yml': 'who: yml\nonly:\n  yml: 1\n',
    });
    server = await startServer({ repo: repo.dir });
  });

  after(async () => {
    await server.close();
    await repo.remove();
  });

  it('serves /payments/dev from payments-dev.yml without a payments.yml, on both APIs', async () => {
    const native = await request(`${server.url}/v1/config/payments/dev`);
    expect(native.status).to.equal(200);
    expect(native.json.config).to.deep.equal({ fee: 2, shared: 1 });
    const spring = await request(`${server.url}/payments/dev`);
    expect(spring.json.propertySources.map((p: { name: string }) => p.name)).to.deep.equal([
      'payments-dev.yml',
      'application.yml',
    ]);
  });

  it('never reads orders-admin.yml as profile admin of orders when orders-admin has a schema', async () => {
    const reply = await request(`${server.url}/v1/config/orders/admin`);
    expect(reply.status).to.equal(200);
    expect(reply.json.config).to.deep.equal({ who: 'orders', shared: 1 });
    expect(reply.json.sources).to.deep.equal(['orders.yml', 'application.yml']);
    const own = await request(`${server.url}/v1/config/orders-admin/default`);
    expect(own.json.config.who).to.equal('orders-admin');
  });

  it('reads both.properties above both.yml, as Spring Boot does', async () => {
    const reply = await request(`${server.url}/v1/config/both/default`);
    expect(reply.json.config).to.deep.equal({
      who: 'properties',
      only: { properties: '1', yml: 1 },
      shared: 1,
    });
    expect(reply.json.sources).to.deep.equal(['both.properties', 'both.yml', 'application.yml']);
  });
});
