import { expect } from 'chai';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createServer, type HotconfServer } from '../../server/src/create-server.js';
import { freePort } from '../bus/redis-helpers.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, WatchClient } from '../helpers/server.js';
import { rabbitmqctl, SpringInstance, springStatus, TestVhost, waitFor } from './rabbit-helpers.js';

const FILES = {
  'orders.yml': 'db:\n  pool:\n    max: 10\n',
  'payments.yml': 'currency: EUR\n',
};

/** A server on `repo` whose log lines the test can read. */
async function serverWithLog(
  repo: GitFixture,
  springBusUrl: string,
): Promise<{ server: HotconfServer; log: () => string }> {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const server = createServer({
    repo: repo.dir,
    port: 0,
    springBusUrl,
    replicaId: 'outage',
    logger: pino({ level: 'debug' }, stream),
  });
  await server.listen();
  return { server, log: () => text };
}

/** Commits a change to orders and waits for its WebSocket change frame; returns the ms taken. */
async function pushed(repo: GitFixture, client: WatchClient, max: number): Promise<number> {
  const count = client.messages.length;
  const start = performance.now();
  await repo.commit({ 'orders.yml': `db:\n  pool:\n    max: ${max}\n` });
  await waitFor('the change frame', () => client.messages.length > count, 10_000, 2);
  const frame = client.messages[count] as { type: string; config: unknown };
  expect(frame.type).to.equal('change');
  expect(frame.config).to.deep.equal({ db: { pool: { max } } });
  return performance.now() - start;
}

describe('Spring Cloud Bus outages', function () {
  this.timeout(60_000);
  let vhost: TestVhost;
  let repo: GitFixture;
  const open: { close(): Promise<void> }[] = [];

  beforeEach(async () => {
    vhost = await TestVhost.create();
    repo = await GitFixture.create(FILES);
  });
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
    await repo.remove();
    await vhost.remove();
  });

  it('with no broker answering at start: serves and pushes at once, says so, never shows the password', async () => {
    const password = 'pa55-w0rd-never-shown';
    const url = `amqp://hotconf:${password}@127.0.0.1:${await freePort()}/prod`;
    const start = performance.now();
    const { server, log } = await serverWithLog(repo, url);
    open.push(server);
    expect(performance.now() - start).to.be.below(5000);
    const client = await WatchClient.open(server.url);
    open.push({ close: async () => client.ws.terminate() });
    client.send({
      type: 'subscribe',
      id: 's1',
      service: 'orders',
      profiles: ['default'],
      label: 'main',
      etag: null,
    });
    await waitFor('the snapshot', () => client.messages.length === 1);
    expect(await pushed(repo, client, 11)).to.be.below(5000);

    await waitFor(
      'a failed attempt',
      async () => (await springStatus(server.url)).lastError !== undefined,
    );
    const status = await springStatus(server.url);
    expect(status).to.include({ configured: true, connected: false, pending: 1, announced: 0 });
    expect(status.url).to.equal(`amqp://hotconf:***@${url.split('@')[1]}`);
    expect(status.lastError).to.match(/ECONNREFUSED/);
    const everything = JSON.stringify(await request(`${server.url}/v1/status`)) + log();
    expect(everything).to.not.include(password);
    const metrics = await request(`${server.url}/metrics`);
    expect(metrics.text).to.include('hotconf_spring_bus_up{replica="outage"} 0');
    expect(metrics.text).to.include('hotconf_spring_bus_pending{replica="outage"} 1');
    expect((await request(`${server.url}/health`)).status).to.equal(200);
  });

  it('refused at start, then let in: announces the newest change per application once', async () => {
    await vhost.down();
    await vhost.up(false); // guest may, hotconf's user may not: the broker refuses hotconf
    const { server, log } = await serverWithLog(repo, vhost.url);
    open.push(server);
    await repo.commit({ 'orders.yml': 'db:\n  pool:\n    max: 12\n' });
    await repo.commit({ 'payments.yml': 'currency: USD\n' });
    const newest = await repo.commit({ 'orders.yml': 'db:\n  pool:\n    max: 13\n' });
    await waitFor(
      'two pending announcements',
      async () => (await springStatus(server.url)).pending === 2,
    );
    const down = await springStatus(server.url);
    expect(down).to.include({ connected: false, announced: 0 });
    expect(down.lastError).to.be.a('string');

    const instance = await SpringInstance.start(vhost.guestUrl, 'orders:8080:a1');
    open.push(instance);
    await vhost.allowServer();
    await instance.waitForRefreshes(2, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(instance.refreshes().map((r) => r.json.destinationService)).to.have.members([
      'orders:**',
      'payments:**',
    ]);
    const up = (await request(`${server.url}/v1/status`)).json.springBus;
    expect(up).to.include({ connected: true, pending: 0, announced: 2 });
    expect(up).to.not.have.property('lastError');
    // The orders announcement that went out is the newest commit's.
    instance.ack(instance.refreshes().find((r) => r.json.destinationService === 'orders:**')!.json);
    await waitFor('the ack', async () => (await springStatus(server.url)).instances.length === 1);
    expect((await springStatus(server.url)).instances[0]).to.include({ version: newest });
    expect(log()).to.not.include(vhost.password);
  });

  it('broker gone mid-run and back: pushes stay prompt, the newest change is announced after recovery', async () => {
    const { server, log } = await serverWithLog(repo, vhost.url);
    open.push(server);
    await waitFor('connected', async () => (await springStatus(server.url)).connected);
    const client = await WatchClient.open(server.url);
    open.push({ close: async () => client.ws.terminate() });
    client.send({
      type: 'subscribe',
      id: 's1',
      service: 'orders',
      profiles: ['default'],
      label: 'main',
      etag: null,
    });
    await waitFor('the snapshot', () => client.messages.length === 1);
    const healthy = await pushed(repo, client, 20);

    await vhost.down(); // closes hotconf's connection, drops the exchange
    await waitFor('disconnected', async () => !(await springStatus(server.url)).connected);
    const during = [await pushed(repo, client, 21), await pushed(repo, client, 22)];
    expect(Math.max(...during)).to.be.below(Math.max(2000, healthy * 20));
    const status = await springStatus(server.url);
    expect(status).to.include({ connected: false, pending: 1 });
    expect(JSON.stringify(status)).to.not.include(vhost.password);

    await vhost.up(false);
    const instance = await SpringInstance.start(vhost.guestUrl, 'orders:8080:b2');
    open.push(instance);
    await vhost.allowServer();
    const [event] = await instance.waitForRefreshes(1, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(instance.refreshes()).to.have.length(1);
    expect(event!.json.destinationService).to.equal('orders:**');
    await waitFor('connected again', async () => (await springStatus(server.url)).connected);
    expect((await request(`${server.url}/health`)).status).to.equal(200);
    expect(await pushed(repo, client, 23)).to.be.below(5000);
    await instance.waitForRefreshes(2);
    expect(log()).to.not.include(vhost.password);
  });

  it('its queue deleted by an operator: reconnects, and hears acks again', async () => {
    const { server } = await serverWithLog(repo, vhost.url);
    open.push(server);
    await waitFor('connected', async () => (await springStatus(server.url)).connected);
    const instance = await SpringInstance.start(vhost.guestUrl, 'payments:9090:d4');
    open.push(instance);
    const queues = (await rabbitmqctl('list_queues', '-p', vhost.name, 'name'))
      .split('\n')
      .map((line) => line.trim())
      .filter((name) => name.startsWith('springCloudBus.anonymous.') && name !== instance.queue);
    expect(queues).to.have.length(1);
    const since = (await request(`${server.url}/v1/status`)).json.springBus.since as string;
    await rabbitmqctl('delete_queue', '-p', vhost.name, queues[0]!);
    await waitFor('reconnected', async () => {
      const status = (await request(`${server.url}/v1/status`)).json.springBus;
      return status.connected === true && status.since !== since;
    });
    await repo.commit({ 'payments.yml': 'currency: CHF\n' });
    const [event] = await instance.waitForRefreshes(1);
    expect(event!.json.destinationService).to.equal('payments:**');
    instance.ack(event!.json);
    await waitFor('the ack', async () =>
      (await springStatus(server.url)).instances.some((i) => i.id === 'payments:9090:d4'),
    );
  });

  it('with the Redis bus unreachable: announces by itself rather than not at all', async () => {
    const server = createServer({
      repo: repo.dir,
      port: 0,
      springBusUrl: vhost.url,
      busUrl: `redis://127.0.0.1:${await freePort()}`,
      logLevel: 'silent',
    });
    open.push(server);
    await server.listen();
    await waitFor('connected', async () => (await springStatus(server.url)).connected);
    const instance = await SpringInstance.start(vhost.guestUrl, 'orders:8080:e5');
    open.push(instance);
    await repo.commit({ 'orders.yml': 'db:\n  pool:\n    max: 30\n' });
    const [event] = await instance.waitForRefreshes(1);
    expect(event!.json.destinationService).to.equal('orders:**');
  });
});
