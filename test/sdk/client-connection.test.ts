import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { connect, HotconfClientError, openConnectionCount } from '@hotconf/client';
import {
  FAST_RETRY,
  nextEvent,
  Sandbox,
  rejectionOf,
  whenConnected,
  ORDERS,
  ORDERS_DEV,
  type Orders,
} from './sdk-helpers.js';

describe('HotconfClient connection', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = new Sandbox();
  });
  afterEach(() => sb.dispose());

  describe('tokens', () => {
    async function serverWithTokens() {
      const repo = await sb.repo({ 'orders.yml': ORDERS, 'payments.yml': 'x: 1\n' });
      const dir = await sb.tempDir();
      const tokensFile = path.join(dir, 'tokens.yml');
      const sha = (t: string) => createHash('sha256').update(t).digest('hex');
      await writeFile(
        tokensFile,
        `tokens:\n  - name: orders-service\n    sha256: ${sha('orders-secret')}\n    services: [orders]\n`,
      );
      return { repo, tokensFile, server: await sb.server(repo, { tokensFile }) };
    }

    it('sends the token on HTTP and on the WebSocket upgrade', async () => {
      const { repo, server } = await serverWithTokens();
      const cfg = sb.track(
        await connect<Orders>({
          server: server.url,
          service: 'orders',
          token: 'orders-secret',
          retry: FAST_RETRY,
        }),
      );
      await whenConnected(cfg);
      const changed = nextEvent(cfg, 'change');
      await repo.commit({ 'orders.yml': ORDERS.replace('max: 10', 'max: 14') });
      expect((await changed).config.db.pool.max).to.equal(14);
    });

    it('rejects with HC_UNAUTHORIZED for a wrong token and HC_FORBIDDEN outside its services', async () => {
      const { server } = await serverWithTokens();
      const wrong = await rejectionOf(
        connect({ server: server.url, service: 'orders', token: 'nope', bootTimeoutMs: 10_000 }),
      );
      expect(wrong).to.be.instanceOf(HotconfClientError);
      expect([wrong.code, wrong.status]).to.deep.equal(['HC_UNAUTHORIZED', 401]);
      const forbidden = await rejectionOf(
        connect({ server: server.url, service: 'payments', token: 'orders-secret' }),
      );
      expect(forbidden).to.be.instanceOf(HotconfClientError);
      expect([forbidden.code, forbidden.status]).to.deep.equal(['HC_FORBIDDEN', 403]);
      expect(forbidden.message).to.match(
        /^hotconf: http:\/\/127\.0\.0\.1:\d+ refused payments\/default: .+ \(HTTP 403 HC_FORBIDDEN\)$/,
      );
    });
    it('stops live updates and emits HC_UNAUTHORIZED when the server revokes the token (4401)', async () => {
      const { tokensFile, server } = await serverWithTokens();
      const base = openConnectionCount();
      const cfg = sb.track(
        await connect<Orders>({
          server: server.url,
          service: 'orders',
          token: 'orders-secret',
          retry: FAST_RETRY,
        }),
      );
      await whenConnected(cfg);
      const errored = nextEvent(cfg, 'error', 10_000);
      const disconnected: number[] = [];
      cfg.on('disconnected', (e) => disconnected.push(e.code));
      await writeFile(tokensFile, 'tokens: []\n');
      const error = (await errored) as HotconfClientError;
      expect([error.code, error.message]).to.deep.equal([
        'HC_UNAUTHORIZED',
        `hotconf: ${server.url.replace('http', 'ws')}/v1/watch revoked the token (close code 4401); live updates stopped`,
      ]);
      expect(cfg.connected).to.equal(false);
      expect(disconnected).to.deep.equal([]);
      expect(openConnectionCount()).to.equal(base);
      // The last good document stays in service.
      expect(cfg.get('db.pool.max')).to.equal(10);
    });
  });

  describe('shared connection', () => {
    it('shares one WebSocket between documents of the same server and closes it with the last client', async () => {
      const repo = await sb.repo({
        'orders.yml': ORDERS,
        'orders-dev.yml': ORDERS_DEV,
        'orders-prod.yml': 'db:\n  pool:\n    max: 200\n',
      });
      const server = await sb.server(repo);
      const base = openConnectionCount();
      const dev = sb.track(
        await connect<Orders>({
          server: server.url,
          service: 'orders',
          profiles: ['dev'],
          retry: FAST_RETRY,
        }),
      );
      const prod = sb.track(
        await connect<Orders>({
          server: server.url,
          service: 'orders',
          profiles: ['prod'],
          retry: FAST_RETRY,
        }),
      );
      const dev2 = sb.track(
        await connect<Orders>({
          server: server.url,
          service: 'orders',
          profiles: ['dev'],
          retry: FAST_RETRY,
        }),
      );
      await Promise.all([whenConnected(dev), whenConnected(prod), whenConnected(dev2)]);
      expect(openConnectionCount()).to.equal(base + 1);

      const changes = Promise.all([
        nextEvent(dev, 'change'),
        nextEvent(prod, 'change'),
        nextEvent(dev2, 'change'),
      ]);
      await repo.commit({
        'orders.yml': ORDERS.replace('host: db.internal', 'host: db2.internal'),
      });
      const [a, b, c] = await changes;
      expect([a.config.db.host, b.config.db.host, c.config.db.host]).to.deep.equal([
        'db2.internal',
        'db2.internal',
        'db2.internal',
      ]);
      expect([a.config.db.pool.max, b.config.db.pool.max]).to.deep.equal([10, 200]);

      await dev.close();
      expect(openConnectionCount()).to.equal(base + 1);
      const still = Promise.all([nextEvent(prod, 'change'), nextEvent(dev2, 'change')]);
      await repo.commit({
        'orders.yml': ORDERS.replace('host: db.internal', 'host: db2.internal').replace(
          'fast: false',
          'fast: true',
        ),
      });
      const [p, d] = await still;
      expect([p.changedKeys, d.changedKeys]).to.deep.equal([['features.fast'], ['features.fast']]);
      await Promise.all([prod.close(), dev2.close()]);
      expect(openConnectionCount()).to.equal(base);
    });
  });
});
