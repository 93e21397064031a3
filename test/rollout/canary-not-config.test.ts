import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, startServer } from '../helpers/server.js';

describe('a canary file in the repository', () => {
  let repo: GitFixture;
  let server: HotconfServer;

  before(async () => {
    repo = await GitFixture.create({
      'orders.yml': 'db: {pool: {max: 10}}\n',
      'orders-prod.yml': 'db: {pool: {max: 200}}\n',
      'orders-prod.canary.yml':
        'rollout: {steps: [{percent: 100}]}\nconfig: {db: {pool: {max: 80}}}\n',
    });
    server = await startServer({ repo: repo.dir });
  });

  after(async () => {
    await server.close();
    await repo.remove();
  });

  it('is no profile of its service and no source of the document', async () => {
    const services = await request(`${server.url}/v1/services`);
    const orders = services.json.services.find((s: { service: string }) => s.service === 'orders');
    const profiles = orders.documents.map((d: { profiles: string[] }) => d.profiles.join(','));
    expect(profiles).to.deep.equal(['default', 'prod']);
    const prod = await request(`${server.url}/v1/config/orders/prod`);
    expect(prod.json.config).to.deep.equal({ db: { pool: { max: 200 } } });
    expect(prod.json.sources).to.deep.equal(['orders-prod.yml', 'orders.yml']);
  });

  it('is not served as a plain-text file', async () => {
    const reply = await request(`${server.url}/orders/prod/main/orders-prod.canary.yml`);
    expect(reply.status).to.equal(404);
    expect(reply.json.error.code).to.equal('HC_FILE_NOT_FOUND');
  });
});
