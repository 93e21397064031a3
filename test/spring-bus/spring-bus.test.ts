import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HotconfServer } from '../../server/src/create-server.js';
import { bearer, STANDARD_TOKENS, tokenFileText, TOKENS } from '../access/access-helpers.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, startServer, WatchClient } from '../helpers/server.js';
import { SpringInstance, springStatus, TestVhost, waitFor } from './rabbit-helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const FILES = {
  'application.yml': 'logging:\n  level: info\n',
  'orders.yml': 'db:\n  pool:\n    max: 10\n',
  'orders-dev.yml': 'db:\n  pool:\n    min: 1\n',
  'payments.yml': 'currency: EUR\n',
  'schemas/orders.schema.json': JSON.stringify({
    type: 'object',
    properties: {
      db: {
        type: 'object',
        properties: { pool: { type: 'object', properties: { max: { maximum: 500 } } } },
      },
      logging: { type: 'object', properties: { level: { enum: ['info', 'debug', 'warn'] } } },
    },
  }),
};

/** Waits long enough for a stray second event to have arrived, were there one. */
const settle = () => new Promise((r) => setTimeout(r, 400));
const now = () => performance.timeOrigin + performance.now();

describe('Spring Cloud Bus', function () {
  this.timeout(30_000);
  let vhost: TestVhost;
  let repo: GitFixture;
  let server: HotconfServer;
  let instance: SpringInstance;

  before(async () => {
    vhost = await TestVhost.create();
    repo = await GitFixture.create(FILES);
    server = await startServer({ repo: repo.dir, springBusUrl: vhost.url, replicaId: 'replica-a' });
    await waitFor(
      'the Spring bus to connect',
      async () => (await springStatus(server.url)).connected,
    );
  });
  after(async () => {
    await server?.close();
    await repo?.remove();
    await vhost?.remove();
  });
  beforeEach(async () => {
    instance = await SpringInstance.start(vhost.guestUrl, 'orders:8080:3f2a9c');
  });
  afterEach(() => instance.close());

  /** Commits and returns the commit id. */
  async function commit(files: Record<string, string>) {
    return { id: await repo.commit(files) };
  }

  it('announces a change to orders once, as the RefreshRemoteApplicationEvent Spring Cloud Bus reads, field for field', async () => {
    const before = Date.now();
    // orders.yml feeds both orders documents (default, dev): still one announcement.
    await commit({ 'orders.yml': 'db:\n  pool:\n    max: 20\n' });
    const [received] = await instance.waitForRefreshes(1);
    await settle();
    expect(instance.refreshes()).to.have.length(1);

    const { json, message } = received!;
    expect(Object.keys(json)).to.deep.equal([
      'type',
      'timestamp',
      'originService',
      'destinationService',
      'id',
    ]);
    expect(json.type).to.equal('RefreshRemoteApplicationEvent');
    expect(json.destinationService).to.equal('orders:**');
    expect(json.originService).to.equal(`hotconf:${server.port}:replica-a`);
    expect(json.id).to.match(UUID);
    expect(json.timestamp).to.be.a('number').within(before, Date.now());
    expect(message.fields.exchange).to.equal('springCloudBus');
    expect(message.fields.routingKey).to.equal('springCloudBus');
    expect(message.properties.contentType).to.equal('application/json');
    expect(message.properties.headers).to.deep.equal({ contentType: 'application/json' });
    expect(message.properties.deliveryMode).to.equal(2);
    expect(message.properties.messageId).to.equal(json.id);
  });

  it('announces nothing for a rejected commit, and nothing for orders when only payments changed', async () => {
    await commit({ 'orders.yml': 'db:\n  pool:\n    max: 9999\n' });
    await commit({ 'payments.yml': 'currency: USD\n' });
    const [event] = await instance.waitForRefreshes(1);
    await settle();
    expect(instance.refreshes().map((r) => r.json.destinationService)).to.deep.equal([
      'payments:**',
    ]);
    expect(event!.json.destinationService).to.equal('payments:**');
    // Put orders right again for the tests that follow.
    await commit({ 'orders.yml': 'db:\n  pool:\n    max: 30\n' });
    await instance.waitForRefreshes(2);
  });

  it('announces ** once when only application.yml changed', async () => {
    await commit({ 'application.yml': 'logging:\n  level: debug\n' });
    await instance.waitForRefreshes(1);
    await settle();
    expect(instance.refreshes().map((r) => r.json.destinationService)).to.deep.equal(['**']);
  });

  it('announces only the applications that took a change to application.yml that orders rejected', async () => {
    await commit({ 'application.yml': 'logging:\n  level: loud\n' });
    await instance.waitForRefreshes(1);
    await settle();
    expect(instance.refreshes().map((r) => r.json.destinationService)).to.deep.equal([
      'payments:**',
    ]);
    await commit({ 'application.yml': 'logging:\n  level: debug\n' });
    await instance.waitForRefreshes(2);
  });

  it('announces each application once when a commit changes application.yml and orders.yml', async () => {
    await commit({
      'application.yml': 'logging:\n  level: warn\n',
      'orders.yml': 'db:\n  pool:\n    max: 40\n',
    });
    await instance.waitForRefreshes(2);
    await settle();
    expect(instance.refreshes().map((r) => r.json.destinationService)).to.have.members([
      'orders:**',
      'payments:**',
    ]);
  });

  it('reads back an ack as a Spring instance sends it: the instance shows in /v1/status with the commit', async () => {
    const { id } = await commit({ 'orders.yml': 'db:\n  pool:\n    max: 50\n' });
    const [event] = await instance.waitForRefreshes(1);
    instance.ack(event!.json);
    await waitFor('the ack in /v1/status', async () =>
      (await springStatus(server.url)).instances.some((i) => i.id === 'orders:8080:3f2a9c'),
    );
    const status = await springStatus(server.url);
    const seen = status.instances.find((i) => i.id === 'orders:8080:3f2a9c');
    expect(seen).to.include({ destination: 'orders:**', version: id });
    expect(Date.parse(seen!.ackedAt)).to.be.closeTo(Date.now(), 10_000);
    expect(status.acks).to.be.at.least(1);
    // An ack of someone else's event is not ours to count.
    instance.ack({ id: 'not-ours', destinationService: 'orders:**' });
    await settle();
    expect((await springStatus(server.url)).acks).to.equal(status.acks);
  });

  it('ignores and counts malformed, oversized and unknown messages, and keeps announcing', async () => {
    const before = (await springStatus(server.url)).ignored;
    instance.publishRaw(Buffer.from('{not json'));
    instance.publishRaw(Buffer.from('{"no":"type"}'));
    instance.publishRaw(Buffer.from(JSON.stringify({ type: 'x', pad: 'x'.repeat(70 * 1024) })));
    instance.publishRaw(
      Buffer.from(
        JSON.stringify({
          type: 'EnvironmentChangeRemoteApplicationEvent',
          timestamp: Date.now(),
          originService: 'orders:8080:3f2a9c',
          destinationService: '**',
          id: 'e1',
          values: {},
        }),
      ),
    );
    const count = (o: Record<string, number>, k: string) => (o[k] ?? 0) - (before[k] ?? 0);
    await waitFor('four messages counted', async () => {
      const ignored = (await springStatus(server.url)).ignored;
      return ['malformed', 'oversized', 'unknown'].reduce((n, k) => n + count(ignored, k), 0) >= 4;
    });
    const ignored = (await springStatus(server.url)).ignored;
    expect({
      malformed: count(ignored, 'malformed'),
      oversized: count(ignored, 'oversized'),
      unknown: count(ignored, 'unknown'),
    }).to.deep.equal({ malformed: 2, oversized: 1, unknown: 1 });
    const metrics = await request(`${server.url}/metrics`);
    expect(metrics.text).to.match(
      /hotconf_spring_bus_ignored_total\{reason="oversized",replica="replica-a"\} [1-9]/,
    );
    expect(metrics.text).to.include('hotconf_spring_bus_up{replica="replica-a"} 1');
    await commit({ 'orders.yml': 'db:\n  pool:\n    max: 60\n' });
    await instance.waitForRefreshes(1);
  });

  it('announces promptly: prints git commit → event beside git commit → WebSocket frame (measured, not asserted)', async () => {
    const client = await WatchClient.open(server.url);
    const wsAt: number[] = [];
    client.ws.on('message', () => wsAt.push(now()));
    try {
      client.send({
        type: 'subscribe',
        id: 's1',
        service: 'orders',
        profiles: ['default'],
        label: 'main',
        etag: null,
      });
      await waitFor('the snapshot', () => client.messages.length === 1);
      // From the start of `git commit`: the ref lands before the command returns.
      const rows: { bus: number; ws: number; gitMs: number }[] = [];
      for (let round = 0; round < 11; round++) {
        const frames = client.messages.length;
        const events = instance.refreshes().length;
        await repo.write({ 'orders.yml': `db:\n  pool:\n    max: ${100 + round}\n` });
        await repo.git('add', '-A');
        const start = now();
        await repo.git('commit', '-q', '-m', `round ${round}`);
        const landed = now();
        await instance.waitForRefreshes(events + 1);
        await waitFor('the change frame', () => client.messages.length > frames, 10_000, 1);
        const busAt = instance.refreshes()[events]!.at;
        rows.push({ bus: busAt - start, ws: wsAt[frames]! - start, gitMs: landed - start });
      }
      // The first two rounds warm up (MEASURING.md).
      const kept = rows.slice(2);
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
      const range = (xs: number[]) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
      const bus = kept.map((r) => r.bus);
      const ws = kept.map((r) => r.ws);
      console.log(
        `      from the start of git commit (${kept.length} rounds; git commit took ${median(kept.map((r) => r.gitMs)).toFixed(1)} ms): ` +
          `Spring bus event median ${median(bus).toFixed(1)} ms (${range(bus)}), ` +
          `WebSocket change frame median ${median(ws).toFixed(1)} ms (${range(ws)})`,
      );
      expect(instance.refreshes().map((r) => r.json.destinationService)).to.deep.equal(
        Array(11).fill('orders:**'),
      );
    } finally {
      client.ws.terminate();
    }
  });

  describe('POST /actuator/busrefresh', () => {
    let guarded: HotconfServer;
    let dir: string;

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'hotconf-spring-'));
      const tokensFile = path.join(dir, 'tokens.yml');
      await writeFile(tokensFile, tokenFileText(STANDARD_TOKENS));
      guarded = await startServer({ repo: repo.dir, springBusUrl: vhost.url, tokensFile });
      await waitFor(
        'the Spring bus to connect',
        async () => (await springStatus(guarded.url, TOKENS.ops)).connected,
      );
    });
    after(async () => {
      await guarded?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('answers 401 without a token and 403 with a read token, announcing nothing', async () => {
      const anonymous = await request(`${guarded.url}/actuator/busrefresh`, { method: 'POST' });
      expect(anonymous.status).to.equal(401);
      expect(anonymous.json.error.code).to.equal('HC_UNAUTHORIZED');
      const reader = await request(`${guarded.url}/actuator/busrefresh/orders`, {
        method: 'POST',
        headers: bearer(TOKENS.orders),
      });
      expect(reader.status).to.equal(403);
      expect(reader.json.error.code).to.equal('HC_FORBIDDEN');
      await settle();
      expect(instance.refreshes()).to.deep.equal([]);
    });

    it("answers 204 and announces ** or the destination in Spring's form", async () => {
      const post = (suffix: string) =>
        request(`${guarded.url}/actuator/busrefresh${suffix}`, {
          method: 'POST',
          headers: bearer(TOKENS.ops),
        });
      const all = await post('');
      expect(all.status).to.equal(204);
      expect(all.text).to.equal('');
      await instance.waitForRefreshes(1);
      expect((await post('/orders')).status).to.equal(204);
      await instance.waitForRefreshes(2);
      expect((await post('/orders:8080')).status).to.equal(204);
      await instance.waitForRefreshes(3);
      expect((await post('/orders/8080/3f2a9c')).status).to.equal(204);
      const events = await instance.waitForRefreshes(4);
      expect(events.map((r) => r.json.destinationService)).to.deep.equal([
        '**',
        'orders:**',
        'orders:8080:**',
        'orders:8080:3f2a9c',
      ]);
      expect(events[0]!.json.originService).to.equal(`hotconf:${guarded.port}:${os.hostname()}`);
      const bad = await post('/orders%20x');
      expect(bad.status).to.equal(400);
      expect(bad.json.error.code).to.equal('HC_INVALID_NAME');
    });

    it('answers 503 HC_NO_SPRING_BUS on a server without HOTCONF_SPRING_BUS_URL', async () => {
      const plain = await startServer({ repo: repo.dir });
      try {
        const reply = await request(`${plain.url}/actuator/busrefresh`, { method: 'POST' });
        expect(reply.status).to.equal(503);
        expect(reply.json.error).to.deep.equal({
          code: 'HC_NO_SPRING_BUS',
          message:
            'this server has no HOTCONF_SPRING_BUS_URL, so it cannot announce on Spring Cloud Bus',
        });
        expect((await request(`${plain.url}/v1/status`)).json.springBus).to.include({
          configured: false,
          connected: false,
        });
      } finally {
        await plain.close();
      }
    });
  });
});
