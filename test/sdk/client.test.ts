import { expect } from 'chai';
import WebSocket from 'ws';
import { connect, HotconfClientError } from '@hotconf/client';
import {
  captureLogger,
  FAST_RETRY,
  nextEvent,
  Sandbox,
  waitFor,
  rejectionOf,
  whenConnected,
  ORDERS,
  ORDERS_DEV,
  type Orders,
} from './sdk-helpers.js';

describe('HotconfClient', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = new Sandbox();
  });
  afterEach(() => sb.dispose());

  describe('connect', () => {
    it('boots from the server with the merged, deep-frozen document', async () => {
      const repo = await sb.repo({ 'orders.yml': ORDERS, 'orders-dev.yml': ORDERS_DEV });
      const server = await sb.server(repo);
      const cfg = sb.track(
        await connect<Orders>({
          server: server.url,
          service: 'orders',
          profiles: ['dev'],
          retry: FAST_RETRY,
        }),
      );
      expect(cfg.config).to.deep.equal({
        db: { host: 'db.internal', pool: { max: 10, min: 2 } },
        features: { fast: false },
        hosts: ['a', 'b'],
      });
      expect(cfg.version).to.equal(await repo.head());
      expect(cfg.etag).to.be.a('string').and.not.equal('');
      expect(cfg.stale).to.equal(false);
      expect(cfg.state).to.equal('running');
      expect(Object.isFrozen(cfg.config)).to.equal(true);
      expect(Object.isFrozen(cfg.config.db.pool)).to.equal(true);
      expect(Object.isFrozen(cfg.config.hosts)).to.equal(true);
      expect(() => {
        (cfg.config.db.pool as { max: number }).max = 99;
      }).to.throw(TypeError);
      await whenConnected(cfg);
      expect(cfg.connected).to.equal(true);
    });

    it('reads dotted paths, array indexes and defaults with get()', async () => {
      const repo = await sb.repo({ 'orders.yml': ORDERS, 'orders-dev.yml': ORDERS_DEV });
      const server = await sb.server(repo);
      const cfg = sb.track(
        await connect<Orders>({ server: server.url, service: 'orders', profiles: ['dev'] }),
      );
      expect(cfg.get('db.pool.max', 1)).to.equal(10);
      expect(cfg.get('hosts[1]')).to.equal('b');
      expect(cfg.get('hosts.0')).to.equal('a');
      expect(cfg.get('hosts[2]', 'none')).to.equal('none');
      expect(cfg.get('db.pool.size', 7)).to.equal(7);
      expect(cfg.get('db.host.deeper')).to.equal(undefined);
      expect(cfg.get('db.pool')).to.deep.equal({ max: 10, min: 2 });
      expect(() => cfg.get('')).to.throw(TypeError, 'path must be a non-empty string');
    });

    it('delivers a live change with changedKeys, and onKey only for paths whose value changed', async () => {
      const repo = await sb.repo({ 'orders.yml': ORDERS, 'orders-dev.yml': ORDERS_DEV });
      const server = await sb.server(repo);
      const cfg = sb.track(
        await connect<Orders>({
          server: server.url,
          service: 'orders',
          profiles: ['dev'],
          retry: FAST_RETRY,
        }),
      );
      await whenConnected(cfg);
      const pool: unknown[][] = [];
      const host: unknown[][] = [];
      const max: unknown[][] = [];
      cfg.onKey('db.pool', (value, previous) => pool.push([value, previous]));
      cfg.onKey('db.host', (value, previous) => host.push([value, previous]));
      const stopMax = cfg.onKey('db.pool.max', (value, previous) => max.push([value, previous]));

      const changed = nextEvent(cfg, 'change');
      const commit = await repo.commit(
        { 'orders.yml': ORDERS.replace('max: 10', 'max: 25') },
        'raise pool',
      );
      const event = await changed;
      expect(event.changedKeys).to.deep.equal(['db.pool.max']);
      expect(event.version).to.equal(commit);
      expect(event.etag).to.equal(cfg.etag).and.not.equal('');
      expect(event.config).to.equal(cfg.config);
      expect(event.config.db.pool).to.deep.equal({ max: 25, min: 2 });
      expect(event.previous.db.pool).to.deep.equal({ max: 10, min: 2 });
      expect(Object.isFrozen(event.config.db.pool)).to.equal(true);
      expect(cfg.version).to.equal(commit);
      expect(cfg.get('db.pool.max')).to.equal(25);
      expect(pool).to.deep.equal([
        [
          { max: 25, min: 2 },
          { max: 10, min: 2 },
        ],
      ]);
      expect(max).to.deep.equal([[25, 10]]);
      expect(host).to.deep.equal([]);

      stopMax();
      const second = nextEvent(cfg, 'change');
      await repo.commit(
        { 'orders-dev.yml': 'db:\n  host: db.dev\n  pool:\n    min: 2\n    max: 30\n' },
        'dev db',
      );
      const event2 = await second;
      expect(event2.changedKeys).to.deep.equal(['db.host', 'db.pool.max']);
      expect(host).to.deep.equal([['db.dev', 'db.internal']]);
      expect(max).to.deep.equal([[25, 10]]);
      expect(pool).to.have.length(2);
    });

    it('applies merge patches the server sends for a small change to a large document', async () => {
      const big = (changed: string) =>
        Array.from(
          { length: 100 },
          (_, i) => `k${i}: ${i === 42 ? changed : `value-${i}-abcdefgh`}\n`,
        ).join('');
      const repo = await sb.repo({ 'orders.yml': `${big('before')}nested:\n  a: 1\n  b: 2\n` });
      const server = await sb.server(repo);
      const cfg = sb.track(
        await connect({ server: server.url, service: 'orders', retry: FAST_RETRY }),
      );
      await whenConnected(cfg);
      // A plain subscriber asking for patches, to see which message the server chose.
      const raw = new WebSocket(`${server.url.replace('http', 'ws')}/v1/watch`);
      sb.defer(async () => raw.close());
      const frames: { type: string; baseEtag?: string; patch?: unknown }[] = [];
      raw.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString())));
      await new Promise((resolve) => raw.once('open', resolve));
      raw.send(
        JSON.stringify({
          type: 'subscribe',
          id: 'orders/default@',
          service: 'orders',
          profiles: ['default'],
          etag: cfg.etag,
          patch: true,
        }),
      );
      await waitFor(() => frames.length === 1, 'subscribed');
      const before = cfg.etag;

      const changed = nextEvent(cfg, 'change');
      await repo.commit({ 'orders.yml': `${big('after')}nested:\n  a: 1\n` }, 'small change');
      const event = await changed;
      await waitFor(() => frames.length === 2, 'the raw change frame');
      expect(frames[1]).to.deep.include({
        type: 'patch',
        baseEtag: before,
        patch: { k42: 'after', nested: { b: null } },
      });
      expect(event.changedKeys).to.deep.equal(['k42', 'nested.b']);
      const served = (await (await fetch(`${server.url}/v1/config/orders/default`)).json()) as {
        etag: string;
        config: unknown;
      };
      expect(cfg.etag).to.equal(served.etag);
      expect(cfg.config).to.deep.equal(served.config);
      expect(Object.isFrozen((cfg.config as { nested: object }).nested)).to.equal(true);
    });

    it('writes no change when a commit leaves the document as it was', async () => {
      const repo = await sb.repo({ 'orders.yml': ORDERS, 'payments.yml': 'x: 1\n' });
      const server = await sb.server(repo);
      const cfg = sb.track(
        await connect<Orders>({ server: server.url, service: 'orders', retry: FAST_RETRY }),
      );
      await whenConnected(cfg);
      const changes: string[][] = [];
      cfg.on('change', (e) => changes.push(e.changedKeys));
      await repo.commit({ 'payments.yml': 'x: 2\n' }, 'other service');
      const next = nextEvent(cfg, 'change');
      await repo.commit({ 'orders.yml': ORDERS.replace('fast: false', 'fast: true') }, 'orders');
      await next;
      expect(changes).to.deep.equal([['features.fast']]);
    });

    it('isolates a throwing listener: the others still run and the throw is reported as error', async () => {
      const repo = await sb.repo({ 'orders.yml': ORDERS });
      const server = await sb.server(repo);
      const cfg = sb.track(
        await connect<Orders>({ server: server.url, service: 'orders', retry: FAST_RETRY }),
      );
      await whenConnected(cfg);
      const seen: string[] = [];
      const errors: HotconfClientError[] = [];
      cfg.on('change', () => {
        throw new Error('listener one broke');
      });
      cfg.on('change', (e) => seen.push(`change ${e.config.db.pool.max}`));
      cfg.onKey('db.pool.max', () => {
        throw new Error('key listener broke');
      });
      cfg.onKey('db.pool.max', (value) => seen.push(`key ${String(value)}`));
      cfg.on('error', (error) => errors.push(error as HotconfClientError));
      const changed = nextEvent(cfg, 'change');
      await repo.commit({ 'orders.yml': ORDERS.replace('max: 10', 'max: 11') });
      await changed;
      await waitFor(() => seen.length === 2, 'both healthy listeners');
      expect(seen).to.deep.equal(['change 11', 'key 11']);
      expect(errors.map((e) => [e.code, e.message])).to.deep.equal([
        ['HC_LISTENER_THREW', "a 'change' listener threw: listener one broke"],
        ['HC_LISTENER_THREW', "a 'onKey(db.pool.max)' listener threw: key listener broke"],
      ]);
      expect((errors[0]?.cause as Error).message).to.equal('listener one broke');

      // Still live afterwards.
      const again = nextEvent(cfg, 'change');
      await repo.commit({ 'orders.yml': ORDERS.replace('max: 10', 'max: 12') });
      expect((await again).config.db.pool.max).to.equal(12);
    });

    it('logs an error nobody listens for instead of throwing it into the host', async () => {
      const repo = await sb.repo({ 'orders.yml': ORDERS });
      const server = await sb.server(repo);
      const logger = captureLogger();
      const cfg = sb.track(
        await connect<Orders>({ server: server.url, service: 'orders', retry: FAST_RETRY, logger }),
      );
      cfg.on('change', () => {
        throw new Error('boom');
      });
      const changed = nextEvent(cfg, 'change');
      await repo.commit({ 'orders.yml': ORDERS.replace('max: 10', 'max: 13') });
      await changed;
      await waitFor(() => logger.messages.length > 0, 'a warning');
      expect(logger.messages).to.deep.equal(["[hotconf] a 'change' listener threw: boom"]);
    });

    it('rejects at once, without retrying, when the service does not exist', async () => {
      const repo = await sb.repo({ 'orders.yml': ORDERS });
      const server = await sb.server(repo);
      const started = Date.now();
      const error = await rejectionOf(
        connect({ server: server.url, service: 'nosuch', bootTimeoutMs: 10_000 }),
      );
      expect(Date.now() - started).to.be.below(2000);
      expect(error).to.be.instanceOf(HotconfClientError);
      expect(error.status).to.equal(404);
      expect(error.code).to.equal('HC_SERVICE_NOT_FOUND');
      expect(error.message).to.equal(
        `hotconf: ${server.url} refused nosuch/default: service nosuch has no config at label main (HTTP 404 HC_SERVICE_NOT_FOUND)`,
      );
    });

    it('follows a label given in the options', async () => {
      const repo = await sb.repo({ 'orders.yml': ORDERS });
      const first = await repo.head();
      await repo.git('tag', 'v1.0');
      await repo.commit({ 'orders.yml': ORDERS.replace('max: 10', 'max: 50') });
      const server = await sb.server(repo);
      const cfg = sb.track(
        await connect<Orders>({ server: server.url, service: 'orders', label: 'v1.0' }),
      );
      expect(cfg.version).to.equal(first);
      expect(cfg.get('db.pool.max')).to.equal(10);
      await whenConnected(cfg);
    });
  });

  describe('#close', () => {
    it('is idempotent, stops deliveries and ends in state closed', async () => {
      const repo = await sb.repo({ 'orders.yml': ORDERS });
      const server = await sb.server(repo);
      const cfg = await connect<Orders>({
        server: server.url,
        service: 'orders',
        retry: FAST_RETRY,
      });
      await whenConnected(cfg);
      const changes: unknown[] = [];
      cfg.on('change', (e) => changes.push(e));
      const first = cfg.close();
      expect(cfg.state).to.equal('closing');
      expect(cfg.close()).to.equal(first);
      await first;
      expect(cfg.state).to.equal('closed');
      expect(cfg.connected).to.equal(false);
      await repo.commit({ 'orders.yml': ORDERS.replace('max: 10', 'max: 15') });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(changes).to.deep.equal([]);
      expect(cfg.get('db.pool.max')).to.equal(10);
      await cfg.close();
    });
  });
});
