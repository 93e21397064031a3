import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { loadSettings } from '../../server/src/settings.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, startServer, WatchClient } from '../helpers/server.js';
import { waitUntil } from './fleet-helpers.js';

describe('HOTCONF_FLEET_RETENTION', () => {
  let repo: GitFixture | undefined;
  let server: HotconfServer | undefined;

  afterEach(async () => {
    await server?.close();
    await repo?.remove();
  });

  it('reads durations, and refuses what is not one with a sentence naming the variable', () => {
    expect(loadSettings({}).fleetRetention).to.equal('24h');
    expect(loadSettings({ HOTCONF_FLEET_RETENTION: '7d' }).fleetRetention).to.equal('7d');
    expect(loadSettings({}, { 'fleet-retention': '90' }).fleetRetention).to.equal('90');
    for (const bad of ['soon', '0s', '400d', '-5m']) {
      expect(() => loadSettings({ HOTCONF_FLEET_RETENTION: bad })).to.throw(
        TypeError,
        `HOTCONF_FLEET_RETENTION must be a duration like 30m, 24h or 7d (1 s to 365 d), got "${bad}"`,
      );
    }
  });

  it('lists an offline instance until the retention ends, then forgets it', async () => {
    repo = await GitFixture.create({ 'orders.yml': 'pool: 1\n' });
    server = await startServer({ repo: repo.dir, fleetRetention: '2s' });
    const c = await WatchClient.open(server.url);
    c.send({ type: 'hello', instanceId: 'short-lived', labels: {}, sdk: 'test/1' });
    await c.waitUntil((m) => (m as unknown as { type: string }).type === 'welcome');
    c.ws.close(1000);
    const url = `${server.url}/v1/instances/short-lived`;
    await waitUntil('offline', async () => (await request(url)).json.online === false);
    const wentOffline = Date.now();
    await waitUntil('forgotten', async () => (await request(url)).status === 404, 10_000);
    expect(Date.now() - wentOffline).to.be.at.least(1000);
  });
});
