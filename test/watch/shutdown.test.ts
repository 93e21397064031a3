import { expect } from 'chai';
import { GitFixture } from '../helpers/git-fixture.js';
import { WatchClient } from '../helpers/server.js';
import { spawnServer } from '../helpers/spawn-server.js';

describe('graceful shutdown', () => {
  it('closes every WebSocket with 1012 on SIGTERM and exits 0 within a few seconds', async () => {
    const repo = await GitFixture.create({ 'orders.yml': 'a: 1\n' });
    const server = await spawnServer({ HOTCONF_REPO: repo.dir });
    try {
      const clients = await Promise.all([1, 2, 3].map(() => WatchClient.open(server.url)));
      for (const c of clients) c.subscribe('s', 'orders', ['default']);
      await Promise.all(clients.map((c) => c.waitFor(1)));
      const started = Date.now();
      server.child.kill('SIGTERM');
      const codes = await Promise.all(clients.map((c) => c.closed));
      expect(codes).to.deep.equal([1012, 1012, 1012]);
      expect(await server.exited).to.equal(0);
      expect(Date.now() - started).to.be.below(5000);
    } finally {
      server.child.kill('SIGKILL');
      await repo.remove();
    }
  });
});
