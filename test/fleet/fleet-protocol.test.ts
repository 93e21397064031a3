import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, startServer, WatchClient } from '../helpers/server.js';
import { waitUntil } from './fleet-helpers.js';

type Frame = { type: string; [key: string]: unknown };

describe('Fleet protocol (hello, welcome, applied, failed)', () => {
  let repo: GitFixture;
  let server: HotconfServer;
  const clients: WatchClient[] = [];

  beforeEach(async () => {
    repo = await GitFixture.create({ 'orders.yml': 'pool: 10\n', 'billing.yml': 'fee: 1\n' });
    server = await startServer({ repo: repo.dir, pingInterval: 1 });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.close();
    await repo.remove();
  });

  async function open(): Promise<WatchClient> {
    const c = await WatchClient.open(server.url);
    clients.push(c);
    return c;
  }

  const frames = (c: WatchClient) => c.messages as unknown as Frame[];

  async function hello(c: WatchClient, extra: Record<string, unknown> = {}): Promise<string> {
    c.send({ type: 'hello', labels: { zone: 'eu-1' }, sdk: 'test/1.0.0', ...extra });
    const welcome = (await c.waitUntil(
      (m) => (m as unknown as Frame).type === 'welcome',
    )) as unknown as {
      instanceId: string;
    };
    return welcome.instanceId;
  }

  /** Subscribes to orders and answers `applied` for the snapshot. */
  async function applyOrders(c: WatchClient): Promise<string> {
    c.subscribe('o', 'orders', ['default']);
    const snap = (await c.waitUntil((m) => m.type === 'snapshot')) as unknown as { etag: string };
    c.send({ type: 'applied', id: 'o', etag: snap.etag });
    return snap.etag;
  }

  async function fleetOf(query = ''): Promise<any> {
    return (await request(`${server.url}/v1/fleet/orders/default${query}`)).json;
  }

  it('gives an instance without an id a unique one, and lists what it applied', async () => {
    const a = await open();
    const b = await open();
    const idA = await hello(a);
    const idB = await hello(b);
    expect(idA).to.match(/^i-[0-9a-f]{16}$/);
    expect(idB)
      .to.match(/^i-[0-9a-f]{16}$/)
      .and.not.equal(idA);
    const etag = await applyOrders(a);
    const head = await repo.head();
    await waitUntil(
      'a applied',
      async () => (await fleetOf('?state=applied')).instances.length === 1,
    );
    const body = await fleetOf('?state=applied');
    expect(body.published).to.deep.equal({ etag, version: head });
    expect(body.instances[0]).to.deep.include({
      id: idA,
      labels: { zone: 'eu-1' },
      sdk: 'test/1.0.0',
      online: true,
      state: 'applied',
      replica: body.instances[0].replica,
    });
    expect(body.instances[0].documents[0]).to.deep.include({ etag, version: head, error: null });
    const overview = (await request(`${server.url}/v1/fleet`)).json;
    expect(overview.partial).to.equal(false);
    expect(overview.documents).to.have.length(1);
    expect(overview.documents[0]).to.deep.include({
      service: 'orders',
      online: 1,
      applied: 1,
      failed: 0,
      summary: `1 of 1 on ${head.slice(0, 7)}`,
    });
  });

  it('keeps working for clients that send no hello, counted as anonymous', async () => {
    const c = await open();
    c.subscribe('o', 'orders', ['default']);
    await c.waitUntil((m) => m.type === 'snapshot');
    const overview = (await request(`${server.url}/v1/fleet`)).json;
    expect(overview.documents[0]).to.deep.include({ online: 0, anonymous: 1 });
    expect(overview.documents[0].summary).to.match(/^0 of 0 on [0-9a-f]{7}, 1 anonymous$/);
  });

  it('tells a second live connection claiming an id that it is in use, and gives it a new one', async () => {
    const a = await open();
    expect(await hello(a, { instanceId: 'pod-1' })).to.equal('pod-1');
    const b = await open();
    const idB = await hello(b, { instanceId: 'pod-1' });
    expect(idB).to.match(/^i-[0-9a-f]{16}$/);
    const error = frames(b).find((m) => m.type === 'error');
    expect(error).to.deep.equal({
      type: 'error',
      code: 'HC_INSTANCE_ID_IN_USE',
      message:
        'instance id pod-1 is in use by another live connection; this one is known as a new id',
    });
    const one = (await request(`${server.url}/v1/instances/pod-1`)).json;
    expect(one.events.map((e: { type: string }) => e.type)).to.deep.equal(['online', 'id-in-use']);
  });

  it('keeps the record of an instance that reconnects after closing', async () => {
    const a = await open();
    await hello(a, { instanceId: 'pod-2' });
    await applyOrders(a);
    a.ws.close(1000);
    await waitUntil('pod-2 offline', async () => {
      const body = (await request(`${server.url}/v1/instances/pod-2`)).json;
      return body.online === false;
    });
    const b = await open();
    expect(await hello(b, { instanceId: 'pod-2' })).to.equal('pod-2');
    const body = (await request(`${server.url}/v1/instances/pod-2`)).json;
    expect(body.online).to.equal(true);
    expect(body.events.map((e: { type: string }) => e.type)).to.deep.equal([
      'online',
      'applied',
      'offline',
      'online',
    ]);
  });

  it('does not call a quick reconnect after a dropped connection a flap', async () => {
    const a = await open();
    await hello(a, { instanceId: 'pod-3' });
    a.close(); // terminate: no close frame, like a network drop
    const b = await open();
    await hello(b, { instanceId: 'pod-3' });
    const body = (await request(`${server.url}/v1/instances/pod-3`)).json;
    expect(body.online).to.equal(true);
    expect(body.events.map((e: { type: string }) => e.type)).to.deep.equal([
      'online',
      'reconnected',
    ]);
  });

  it('refuses hostile hellos with a clear error and keeps serving', async () => {
    const c = await open();
    const labels = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 'v']));
    c.send({ type: 'hello', labels, sdk: 'x' });
    c.send({ type: 'hello', labels: { big: 'x'.repeat(1_000_000) }, sdk: 'x' });
    const few = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
    c.send({ type: 'hello', labels: few, sdk: 'x' });
    c.send({ type: 'hello', labels: { zone: 'eu\u0000\u001b[31m' }, sdk: 'x' });
    c.send({ type: 'hello', labels: { long: 'v'.repeat(129) }, sdk: 'x' });
    c.send({ type: 'hello', labels: {}, sdk: 'x', instanceId: '../../etc' });
    const errors = (await c.waitFor(6)).map((m) => m as unknown as Frame);
    expect(errors.map((m) => [m.code, m.message])).to.deep.equal([
      ['HC_FRAME_TOO_LARGE', 'frames may be at most 65536 bytes'],
      ['HC_FRAME_TOO_LARGE', 'frames may be at most 65536 bytes'],
      ['HC_INVALID_HELLO', 'invalid hello: labels may hold at most 20'],
      ['HC_INVALID_HELLO', 'invalid hello: labels.zone must not contain control characters'],
      ['HC_INVALID_HELLO', 'invalid hello: labels.long must be at most 128 characters'],
      ['HC_INVALID_HELLO', 'invalid hello: instanceId has characters it may not have'],
    ]);
    // The same connection still says hello and works.
    expect(await hello(c)).to.match(/^i-/);
    await applyOrders(c);
  });

  it('ignores and counts applied for etags never sent, unknown subscriptions and floods', async () => {
    const c = await open();
    const id = await hello(c);
    const etag = await applyOrders(c);
    c.send({ type: 'applied', id: 'o', etag: 'never-sent-etag' });
    c.send({ type: 'applied', id: 'nope', etag });
    for (let i = 0; i < 2000; i++) c.send({ type: 'applied', id: 'o', etag });
    await waitUntil('the flood is read', async () => {
      const one = (await request(`${server.url}/v1/instances/${id}`)).json;
      const metrics = (await request(`${server.url}/metrics`)).text;
      return one.ignoredReports === 2 && /reason="repeated"[^}]*\} 2000/.test(metrics);
    });
    const metrics = (await request(`${server.url}/metrics`)).text;
    expect(metrics).to.match(/hotconf_fleet_reports_ignored_total\{reason="unknown-etag"[^}]*\} 1/);
    expect(metrics).to.match(
      /hotconf_fleet_reports_ignored_total\{reason="unknown-subscription"[^}]*\} 1/,
    );
    expect(metrics).to.match(/hotconf_fleet_reports_total\{kind="applied"[^}]*\} 1/);
    expect(metrics).to.match(
      /hotconf_fleet_instances\{service="orders",profiles="default",label="main",state="applied"[^}]*\} 1/,
    );
    const body = await fleetOf();
    expect(body.instances).to.have.length(1);
    expect(body.instances[0]).to.deep.include({ state: 'applied' });
    const one = (await request(`${server.url}/v1/instances/${id}`)).json;
    expect(one.events.map((e: { type: string }) => e.type)).to.deep.equal(['online', 'applied']);
    expect(c.closeCode).to.equal(undefined);
  });

  it('records failed with its message, and shows it per document', async () => {
    const c = await open();
    const id = await hello(c);
    c.subscribe('o', 'orders', ['default']);
    const snap = (await c.waitUntil((m) => m.type === 'snapshot')) as unknown as { etag: string };
    c.send({ type: 'failed', id: 'o', etag: snap.etag, error: 'pool must be positive' });
    c.send({ type: 'failed', id: 'o', etag: snap.etag, error: 'x'.repeat(1025) });
    const refused = (await c.waitUntil((m) => m.type === 'error')) as unknown as Frame;
    expect(refused).to.deep.include({
      code: 'HC_INVALID_REPORT',
      message: 'invalid failed: error must be at most 1024 characters',
      id: 'o',
    });
    const body = await fleetOf('?state=failed');
    expect(body.instances.map((i: { id: string }) => i.id)).to.deep.equal([id]);
    expect(body.instances[0].lastError).to.deep.include({
      document: 'orders/default@main',
      error: 'pool must be positive',
    });
    const overview = (await request(`${server.url}/v1/fleet`)).json;
    expect(overview.documents[0].summary).to.match(/^0 of 1 on [0-9a-f]{7}, 1 failed$/);
  });
});
