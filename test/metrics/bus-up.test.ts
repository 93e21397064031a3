import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { startServer } from '../helpers/server.js';

describe('hotconf_bus_up', () => {
  let repo: GitFixture;
  let server: HotconfServer;
  before(async () => {
    repo = await GitFixture.create({ 'orders.yml': 'a: 1\n' });
    server = await startServer({ repo: repo.dir });
  });
  after(async () => {
    await server.close();
    await repo.remove();
  });

  it('is absent when no bus is configured, so a "bus down" alert cannot fire', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).to.include('hotconf_publishes_total');
    expect(text).not.to.include('hotconf_bus_up');
  });
});
