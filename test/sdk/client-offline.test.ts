import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { CACHE_FORMAT, connect, HotconfClientError, type CacheContent } from '@hotconf/client';
import {
  captureLogger,
  FAST_RETRY,
  nextEvent,
  Sandbox,
  unusedPort,
  waitFor,
  rejectionOf,
  whenConnected,
} from './sdk-helpers.js';

interface Orders {
  db: { pool: { max: number } };
  features?: { fast: boolean };
}

const ORDERS = (max: number) => `db:\n  pool:\n    max: ${max}\n`;

async function readCache(file: string): Promise<CacheContent> {
  return JSON.parse(await readFile(file, 'utf8')) as CacheContent;
}

/** The cache file once it holds `etag` (it is written in the background). */
async function cacheWith(file: string, etag: string, timeoutMs = 5000): Promise<CacheContent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const content = await readCache(file).catch(() => undefined);
    if (content?.etag === etag) return content;
    if (Date.now() > deadline) throw new Error(`${file} never held etag ${etag}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('HotconfClient when the server is away', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = new Sandbox();
  });
  afterEach(() => sb.dispose());

  describe('cache file', () => {
    it('is written atomically after boot and after every accepted document', async () => {
      const repo = await sb.repo({ 'orders.yml': ORDERS(10) });
      const server = await sb.server(repo);
      const cacheFile = path.join(await sb.tempDir(), 'nested', 'orders-dev.json');
      const cfg = sb.track(
        await connect<Orders>({
          server: server.url,
          service: 'orders',
          profiles: ['dev'],
          cacheFile,
          retry: FAST_RETRY,
        }),
      );
      const booted = await cacheWith(cacheFile, cfg.etag);
      expect(booted).to.deep.include({
        format: CACHE_FORMAT,
        server: server.url,
        service: 'orders',
        profiles: ['dev'],
        label: null,
        version: cfg.version,
        etag: cfg.etag,
        config: { db: { pool: { max: 10 } } },
      });
      const changed = nextEvent(cfg, 'change');
      const commit = await repo.commit({ 'orders.yml': ORDERS(11) });
      await changed;
      await cfg.close(); // waits for the pending write
      const after = await readCache(cacheFile);
      expect([after.version, after.etag, after.config]).to.deep.equal([
        commit,
        cfg.etag,
        { db: { pool: { max: 11 } } },
      ]);
      expect(await readdir(path.dirname(cacheFile))).to.deep.equal(['orders-dev.json']);
    });

    it('boots stale from the cache when the server is down, then catches up when it returns', async () => {
      const repo = await sb.repo({ 'orders.yml': ORDERS(10) });
      const cacheFile = path.join(await sb.tempDir(), 'orders.json');
      const first = await sb.server(repo);
      const port = first.port;
      const url = first.url;
      const warm = await connect<Orders>({
        server: url,
        service: 'orders',
        profiles: ['dev'],
        cacheFile,
      });
      const cachedVersion = warm.version;
      await warm.close();
      await first.close();

      // While the server is away, ops commit; the client must still boot, from its cache.
      const commit = await repo.commit({ 'orders.yml': ORDERS(42) }, 'while away');
      const logger = captureLogger();
      const started = Date.now();
      const cfg = sb.track(
        await connect<Orders>({
          server: url,
          service: 'orders',
          profiles: ['dev'],
          cacheFile,
          bootTimeoutMs: 300,
          retry: FAST_RETRY,
          logger,
        }),
      );
      expect(Date.now() - started).to.be.at.least(290);
      const stale = await nextEvent(cfg, 'stale');
      expect(cfg.stale).to.equal(true);
      expect(cfg.version).to.equal(cachedVersion);
      expect(cfg.get('db.pool.max')).to.equal(10);
      expect(stale).to.deep.include({ cacheFile, version: cachedVersion, etag: cfg.etag });
      expect(stale.reason).to.match(/ECONNREFUSED/);
      expect(logger.messages).to.have.length(1);
      expect(logger.messages[0]).to.match(
        new RegExp(
          `^\\[hotconf\\] no answer from ${url} for orders/dev within 300 ms .*; serving version ${cachedVersion} from cache file ${cacheFile} \\(saved .+\\)$`,
        ),
      );

      const changed = nextEvent(cfg, 'change');
      const connected = nextEvent(cfg, 'connected');
      await sb.server(repo, { port });
      const event = await changed;
      await connected;
      expect(event.changedKeys).to.deep.equal(['db.pool.max']);
      expect(event.previous.db.pool.max).to.equal(10);
      expect(event.config.db.pool.max).to.equal(42);
      expect(cfg.version).to.equal(commit);
      expect(cfg.stale).to.equal(false);
    });

    it('rejects with a clear message after bootTimeoutMs when the server is down and there is no cache', async () => {
      const port = await unusedPort();
      const server = `http://127.0.0.1:${port}`;
      const started = Date.now();
      const error = await rejectionOf(
        connect({
          server,
          service: 'orders',
          profiles: ['dev'],
          bootTimeoutMs: 400,
          retry: FAST_RETRY,
        }),
      );
      const elapsed = Date.now() - started;
      expect(elapsed).to.be.at.least(390).and.below(1500);
      expect(error).to.be.instanceOf(HotconfClientError);
      expect(error.code).to.equal('HC_BOOT_TIMEOUT');
      expect(error.message).to.match(
        new RegExp(
          `^hotconf: no answer from ${server} for orders/dev within 400 ms \\(\\d+ attempts; last error: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\), and no cacheFile is configured$`,
        ),
      );
    });

    it('ignores a corrupt cache file with a warning, and replaces it once the server answers', async () => {
      const dir = await sb.tempDir();
      const cacheFile = path.join(dir, 'orders.json');
      await writeFile(cacheFile, '{"format":"hotconf-client-cache/1", "config": {tru');
      const logger = captureLogger();
      const down = `http://127.0.0.1:${await unusedPort()}`;
      const error = await rejectionOf(
        connect({
          server: down,
          service: 'orders',
          cacheFile,
          bootTimeoutMs: 200,
          retry: FAST_RETRY,
          logger,
        }),
      );
      expect(error).to.be.instanceOf(HotconfClientError);
      expect(error.code).to.equal('HC_BOOT_TIMEOUT');
      expect(error.message).to.match(
        new RegExp(`, and cache file ${cacheFile} was ignored: it is not valid JSON$`),
      );
      expect(logger.messages).to.deep.equal([
        `[hotconf] cache file ${cacheFile} ignored: it is not valid JSON`,
      ]);

      const repo = await sb.repo({ 'orders.yml': ORDERS(10) });
      const server = await sb.server(repo);
      const cfg = sb.track(
        await connect<Orders>({ server: server.url, service: 'orders', cacheFile, logger }),
      );
      expect(cfg.stale).to.equal(false);
      await cfg.close();
      const rewritten = await readCache(cacheFile);
      expect([rewritten.format, rewritten.etag, rewritten.config]).to.deep.equal([
        CACHE_FORMAT,
        cfg.etag,
        { db: { pool: { max: 10 } } },
      ]);
    });

    it('never trusts a cache file written for another document or another server', async () => {
      const repo = await sb.repo({ 'orders.yml': ORDERS(10), 'orders-prod.yml': ORDERS(200) });
      const server = await sb.server(repo);
      const cacheFile = path.join(await sb.tempDir(), 'cache.json');
      const dev = await connect<Orders>({
        server: server.url,
        service: 'orders',
        profiles: ['dev'],
        cacheFile,
      });
      await dev.close();
      const url = server.url;
      await server.close();

      const logger = captureLogger();
      const tryBoot = (options: { profiles?: string[]; label?: string; server?: string }) =>
        rejectionOf(
          connect({
            server: url,
            service: 'orders',
            cacheFile,
            bootTimeoutMs: 100,
            retry: FAST_RETRY,
            logger,
            ...options,
          }),
        );
      const prod = await tryBoot({ profiles: ['prod'] });
      expect(prod.message).to.match(
        new RegExp(`was ignored: it holds orders/dev from ${url}, not orders/prod from ${url}$`),
      );
      const tagged = await tryBoot({ profiles: ['dev'], label: 'v2' });
      expect(tagged.message).to.match(
        new RegExp(`was ignored: it holds orders/dev from ${url}, not orders/dev@v2 from ${url}$`),
      );
      const other = `http://127.0.0.1:${await unusedPort()}`;
      const elsewhere = await tryBoot({ profiles: ['dev'], server: other });
      expect(elsewhere.message).to.match(
        new RegExp(`was ignored: it holds orders/dev from ${url}, not orders/dev from ${other}$`),
      );
      expect(logger.messages).to.have.length(3);
    });

    it('refuses to share one cache file between two documents in one process', async () => {
      const repo = await sb.repo({ 'orders.yml': ORDERS(10), 'payments.yml': 'x: 1\n' });
      const server = await sb.server(repo);
      const cacheFile = path.join(await sb.tempDir(), 'shared.json');
      sb.track(await connect({ server: server.url, service: 'orders', cacheFile }));
      const error = await rejectionOf(
        connect({ server: server.url, service: 'payments', cacheFile }),
      );
      expect(error).to.be.instanceOf(TypeError);
      expect(error.message).to.equal(
        `options.cacheFile ${cacheFile} is already used by a client of orders/default from ${server.url}`,
      );
    });
    it('reports a cache file it cannot write, and keeps serving', async () => {
      const repo = await sb.repo({ 'orders.yml': ORDERS(10) });
      const server = await sb.server(repo);
      const dir = await sb.tempDir();
      await writeFile(path.join(dir, 'not-a-dir'), 'a file');
      const cacheFile = path.join(dir, 'not-a-dir', 'sub', 'orders.json');
      const logger = captureLogger();
      const cfg = sb.track(
        await connect<Orders>({ server: server.url, service: 'orders', cacheFile, logger }),
      );
      await waitFor(() => logger.messages.length === 1, 'the warning');
      expect(logger.messages[0]).to.match(
        new RegExp(`^\\[hotconf\\] hotconf: cannot write cache file ${cacheFile}: ENOTDIR`),
      );
      expect(cfg.get('db.pool.max')).to.equal(10);
    });
  });

  describe('server restart', () => {
    it('reconnects after 1012, resumes by etag and misses no commit made while the server was away', async () => {
      const repo = await sb.repo({ 'orders.yml': ORDERS(10) });
      const first = await sb.server(repo);
      const { port, url } = first;
      const cfg = sb.track(
        await connect<Orders>({ server: url, service: 'orders', retry: FAST_RETRY }),
      );
      await whenConnected(cfg);
      const events: string[] = [];
      cfg.on('disconnected', (e) => events.push(`disconnected ${e.code}`));
      cfg.on('connected', () => events.push('connected'));
      cfg.on('change', (e) =>
        events.push(`change ${e.changedKeys.join(',')} → ${e.config.db.pool.max}`),
      );

      const disconnected = nextEvent(cfg, 'disconnected');
      await first.close();
      expect((await disconnected).code).to.equal(1012);
      await repo.commit({ 'orders.yml': ORDERS(20) }, 'away 1');
      const last = await repo.commit(
        { 'orders.yml': `${ORDERS(30)}features:\n  fast: true\n` },
        'away 2',
      );

      const caughtUp = nextEvent(cfg, 'change', 10_000);
      await sb.server(repo, { port });
      const event = await caughtUp;
      expect(event.changedKeys).to.deep.equal(['db.pool.max', 'features.fast']);
      expect(event.config).to.deep.equal({ db: { pool: { max: 30 } }, features: { fast: true } });
      expect(cfg.version).to.equal(last);

      const after = nextEvent(cfg, 'change');
      const next = await repo.commit(
        { 'orders.yml': `${ORDERS(31)}features:\n  fast: true\n` },
        'back',
      );
      expect((await after).version).to.equal(next);
      await waitFor(() => events.length === 4, 'four events');
      expect(events).to.deep.equal([
        'disconnected 1012',
        'change db.pool.max,features.fast → 30',
        'connected',
        'change db.pool.max → 31',
      ]);
    });
  });
});
