import { expect } from 'chai';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HotconfServer } from '../../server/src/create-server.js';
import { bareCloneOf, GitFixture } from '../helpers/git-fixture.js';
import { request, startServer, WatchClient } from '../helpers/server.js';
import { eventually, ORDERS_SCHEMA } from './production-helpers.js';
import { scrape, valueOf } from './prom-text.js';

const FILES = {
  'orders.yml': 'db:\n  pool:\n    max: 10\n',
  'schemas/orders.schema.json': ORDERS_SCHEMA,
  'payments.yml': 'currency: EUR\n',
};

describe('GET /metrics', () => {
  let fixture: GitFixture;
  let server: HotconfServer;
  const clients: WatchClient[] = [];

  beforeEach(async () => {
    fixture = await GitFixture.create(FILES);
    server = await startServer({ repo: fixture.dir, replicaId: 'replica-a' });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.close();
    await fixture.remove();
  });

  it('answers Prometheus text with process and hotconf families, every sample labelled with the replica', async () => {
    const m = await scrape(server.url);
    expect(m.types.get('hotconf_http_requests_total')).to.equal('counter');
    expect(m.types.get('hotconf_http_request_duration_seconds')).to.equal('histogram');
    expect(m.types.get('hotconf_publish_latency_seconds')).to.equal('histogram');
    expect(m.types.get('hotconf_git_fetch_duration_seconds')).to.equal('histogram');
    for (const gauge of [
      'hotconf_websocket_connections',
      'hotconf_websocket_subscriptions',
      'hotconf_documents',
      'hotconf_last_successful_sync_timestamp_seconds',
    ]) {
      expect(m.types.get(gauge), gauge).to.equal('gauge');
    }
    for (const counter of [
      'hotconf_pushes_total',
      'hotconf_publishes_total',
      'hotconf_rejections_total',
      'hotconf_git_fetches_total',
      'hotconf_git_fetch_failures_total',
    ]) {
      expect(m.types.get(counter), counter).to.equal('counter');
    }
    expect(m.types.get('process_cpu_user_seconds_total')).to.equal('counter');
    expect(m.samples.length).to.be.greaterThan(50);
    expect(m.samples.filter((s) => s.labels.replica !== 'replica-a')).to.deep.equal([]);
    // orders has a schema, payments has none: served unvalidated.
    expect(valueOf(m, 'hotconf_documents', { state: 'ok' })).to.equal(1);
    expect(valueOf(m, 'hotconf_documents', { state: 'unvalidated' })).to.equal(1);
    expect(valueOf(m, 'hotconf_documents', { state: 'rejected' })).to.equal(0);
    const synced = valueOf(m, 'hotconf_last_successful_sync_timestamp_seconds');
    expect(Math.abs(synced - Date.now() / 1000)).to.be.lessThan(60);
  });

  it('counts requests by route pattern and status, with unmatched paths in fixed buckets', async () => {
    for (let i = 0; i < 3; i++)
      expect((await request(`${server.url}/v1/config/orders/default`)).status).to.equal(200);
    expect((await request(`${server.url}/v1/config/nope/default`)).status).to.equal(404);
    expect((await request(`${server.url}/orders/default`)).status).to.equal(200);
    expect((await request(`${server.url}/random-1/a/b/c`)).status).to.equal(404);
    expect((await request(`${server.url}/random-2/a/b/c`)).status).to.equal(404);
    const m = await scrape(server.url);
    const config = { method: 'GET', route: '/v1/config/:service/:profiles' };
    expect(valueOf(m, 'hotconf_http_requests_total', { ...config, status: '200' })).to.equal(3);
    expect(valueOf(m, 'hotconf_http_requests_total', { ...config, status: '404' })).to.equal(1);
    expect(
      valueOf(m, 'hotconf_http_request_duration_seconds_count', { ...config, status: '200' }),
    ).to.equal(3);
    expect(
      valueOf(m, 'hotconf_http_request_duration_seconds_bucket', {
        ...config,
        status: '200',
        le: '+Inf',
      }),
    ).to.equal(3);
    expect(valueOf(m, 'hotconf_http_requests_total', { route: 'spring', status: '200' })).to.equal(
      1,
    );
    expect(
      valueOf(m, 'hotconf_http_requests_total', { route: 'not_found', status: '404' }),
    ).to.equal(2);
    const routes = new Set(m.samples.map((s) => s.labels.route).filter(Boolean));
    expect([...routes].sort()).to.deep.equal([
      '/v1/config/:service/:profiles',
      'not_found',
      'spring',
    ]);
  });

  it('counts a publish, its pushes and its latency, and gauges WebSocket connections and subscriptions', async () => {
    const client = await WatchClient.open(server.url);
    clients.push(client);
    client.subscribe('s1', 'orders', ['default']);
    await client.waitFor(1);
    const before = await scrape(server.url);
    expect(valueOf(before, 'hotconf_websocket_connections')).to.equal(1);
    expect(valueOf(before, 'hotconf_websocket_subscriptions')).to.equal(1);
    expect(valueOf(before, 'hotconf_publishes_total')).to.equal(0);

    await fixture.commit({ 'orders.yml': 'db:\n  pool:\n    max: 20\n' }, 'raise the pool');
    await client.waitUntil((msg) => msg.type === 'change');
    const after = await eventually(async () => {
      const m = await scrape(server.url);
      expect(valueOf(m, 'hotconf_publish_latency_seconds_count')).to.equal(1);
      return m;
    });
    expect(valueOf(after, 'hotconf_publishes_total', { service: 'orders' })).to.equal(1);
    expect(valueOf(after, 'hotconf_publishes_total', { service: 'payments' })).to.equal(0);
    expect(valueOf(after, 'hotconf_pushes_total')).to.equal(1);
    const latency = valueOf(after, 'hotconf_publish_latency_seconds_sum');
    expect(latency).to.be.greaterThan(0).and.lessThan(5);
    expect(valueOf(after, 'hotconf_publish_latency_seconds_bucket', { le: '10' })).to.equal(1);

    client.close();
    await eventually(async () =>
      expect(valueOf(await scrape(server.url), 'hotconf_websocket_connections')).to.equal(0),
    );
  });

  it('counts a rejected commit by service and shows the document as rejected', async () => {
    await fixture.commit({ 'orders.yml': 'db:\n  pool:\n    max: many\n' }, 'break the pool');
    const m = await eventually(async () => {
      const scraped = await scrape(server.url);
      expect(valueOf(scraped, 'hotconf_rejections_total', { service: 'orders' })).to.equal(1);
      return scraped;
    });
    expect(valueOf(m, 'hotconf_rejections_total', { service: 'payments' })).to.equal(0);
    expect(valueOf(m, 'hotconf_publishes_total')).to.equal(0);
    expect(valueOf(m, 'hotconf_documents', { state: 'rejected' })).to.equal(1);
    expect(valueOf(m, 'hotconf_documents', { state: 'ok' })).to.equal(0);
    expect(valueOf(m, 'hotconf_documents', { state: 'unvalidated' })).to.equal(1);
  });
});

describe('GET /metrics with a remote repository', () => {
  let fixture: GitFixture;
  let remote: GitFixture;
  let cacheDir: string;
  let server: HotconfServer;

  beforeEach(async () => {
    fixture = await GitFixture.create(FILES);
    remote = await bareCloneOf(fixture);
    cacheDir = await mkdtemp(path.join(os.tmpdir(), 'hotconf-cache-'));
    server = await startServer({
      repo: `file://${remote.dir}`,
      cacheDir,
      pollInterval: 3600,
      replicaId: 'replica-r',
    });
  });

  afterEach(async () => {
    await server.close();
    await rm(`${remote.dir}.gone`, { recursive: true, force: true });
    await Promise.all([
      fixture.remove(),
      remote.remove(),
      rm(cacheDir, { recursive: true, force: true }),
    ]);
  });

  it('counts fetches and failed fetches, and keeps the last successful sync time through a failure', async () => {
    expect((await request(`${server.url}/v1/refresh`, { method: 'POST' })).status).to.equal(200);
    const ok = await scrape(server.url);
    expect(valueOf(ok, 'hotconf_git_fetches_total')).to.equal(1);
    expect(valueOf(ok, 'hotconf_git_fetch_failures_total')).to.equal(0);
    const lastSync = valueOf(ok, 'hotconf_last_successful_sync_timestamp_seconds');
    expect(Math.abs(lastSync - Date.now() / 1000)).to.be.lessThan(60);

    await rename(remote.dir, `${remote.dir}.gone`);
    const refresh = await request(`${server.url}/v1/refresh`, { method: 'POST' });
    expect(refresh.json.lastError).to.equal('fetch from the remote failed');
    const failed = await scrape(server.url);
    expect(valueOf(failed, 'hotconf_git_fetches_total')).to.equal(2);
    expect(valueOf(failed, 'hotconf_git_fetch_failures_total')).to.equal(1);
    expect(valueOf(failed, 'hotconf_last_successful_sync_timestamp_seconds')).to.equal(lastSync);
  });

  it('times each fetch in hotconf_git_fetch_duration_seconds', async () => {
    await request(`${server.url}/v1/refresh`, { method: 'POST' });
    await request(`${server.url}/v1/refresh`, { method: 'POST' });
    const m = await scrape(server.url);
    expect(valueOf(m, 'hotconf_git_fetch_duration_seconds_count')).to.equal(
      valueOf(m, 'hotconf_git_fetches_total'),
    );
    expect(valueOf(m, 'hotconf_git_fetch_duration_seconds_count')).to.equal(2);
    expect(valueOf(m, 'hotconf_git_fetch_duration_seconds_sum')).to.be.greaterThan(0);
  });
});
