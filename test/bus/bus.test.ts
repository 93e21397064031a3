import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createBus, type Bus, type BusOptions } from '../../server/src/bus/bus.js';
import type { Logger } from '../../server/src/logger.js';
import { freePort, REDIS_URL, RedisProcess, requireRedis, waitFor } from './redis-helpers.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

/** A pino logger whose lines the test can read. */
function captureLogger(): {
  logger: Logger;
  lines: { level: number; msg: string; [k: string]: unknown }[];
} {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('createBus', () => {
  let channel: string;
  const open: (Bus | Redis)[] = [];

  /** A bus on this test's own channel; `changes` collects what it is told to fetch. */
  async function bus(replicaId: string, extra: Partial<BusOptions> = {}) {
    const changes: string[][] = [];
    const { logger, lines } = captureLogger();
    const b = await createBus({
      url: REDIS_URL,
      replicaId,
      logger,
      onRemoteChange: (refs) => changes.push(refs),
      channel,
      headsIntervalMs: 300,
      ...extra,
    });
    open.push(b);
    return { bus: b, changes, lines };
  }
  const up = (b: Bus) => waitFor('the bus to be up', () => b.state() === 'up', 5000);
  const status = (b: Bus) =>
    b.status() as {
      bus: Record<string, unknown>;
      replicas: { id: string; head: string | null; self: boolean }[];
      converged: boolean;
    };

  before(() => requireRedis());
  beforeEach(() => {
    channel = `hotconf:test:${randomUUID()}`;
  });
  afterEach(async () => {
    for (const o of open.splice(0)) {
      if (o instanceof Redis) o.disconnect();
      else await o.close();
    }
  });

  it('tells the other replicas of a change, and not itself', async () => {
    const one = await bus('one');
    const two = await bus('two');
    await Promise.all([up(one.bus), up(two.bus)]);
    one.bus.announceChange(['refs/heads/main', 'not-a-ref']);
    await waitFor('two to hear the change', () => two.changes.length === 1);
    expect(two.changes).to.deep.equal([['refs/heads/main']]);
    expect(status(two.bus).bus.lastRemoteChange).to.include({ replica: 'one' });
    await new Promise((r) => setTimeout(r, 100));
    expect(one.changes).to.deep.equal([]);
  });

  it('lists each replica with its head, and converges when the heads agree', async () => {
    const one = await bus('one');
    const two = await bus('two');
    await Promise.all([up(one.bus), up(two.bus)]);
    one.bus.announceHeads(
      new Map([
        ['HEAD', A],
        ['main', A],
      ]),
    );
    two.bus.announceHeads(
      new Map([
        ['HEAD', B],
        ['main', B],
      ]),
    );
    await waitFor('one to see two', () => status(one.bus).replicas.length === 2);
    expect(status(one.bus).replicas.map((r) => [r.id, r.self, r.head])).to.deep.equal([
      ['one', true, A],
      ['two', false, B],
    ]);
    expect(status(one.bus).converged).to.equal(false);
    two.bus.announceHeads(
      new Map([
        ['HEAD', A],
        ['main', A],
      ]),
    );
    await waitFor('one to see two agree', () => status(one.bus).converged);
  });

  it('drops a replica not heard from for three announcement intervals', async () => {
    const one = await bus('one');
    const two = await bus('two');
    await Promise.all([up(one.bus), up(two.bus)]);
    one.bus.announceHeads(new Map([['HEAD', A]]));
    two.bus.announceHeads(new Map([['HEAD', A]]));
    await waitFor('one to see two', () => status(one.bus).replicas.length === 2);
    await two.bus.close();
    const closedAt = Date.now();
    await waitFor('two to be dropped', () => status(one.bus).replicas.length === 1, 3000);
    expect(Date.now() - closedAt).to.be.at.least(600);
    expect(status(one.bus).converged).to.equal(true);
  });

  it('ignores and logs malformed messages, and still hears good ones', async () => {
    const two = await bus('two');
    await up(two.bus);
    const raw = new Redis(REDIS_URL);
    open.push(raw);
    await raw.publish(
      channel,
      '{"v":1,"type":"change","replica":"evil","instance":"x","at":1,"refs":["; rm -rf /"]}',
    );
    await raw.publish(channel, 'garbage');
    await waitFor('two to count both', () => status(two.bus).bus.ignored === 2);
    expect(two.changes).to.deep.equal([]);
    const warned = two.lines.filter((l) => l.msg === 'ignored a malformed bus message');
    expect(warned.map((l) => l.reason)).to.deep.equal(['refs must be branch or tag refs']); // one line per 10 s at most
    await raw.publish(
      channel,
      JSON.stringify({
        v: 1,
        type: 'change',
        replica: 'ok',
        instance: 'y',
        at: Date.now(),
        refs: [],
      }),
    );
    await waitFor('two to hear the good one', () => two.changes.length === 1);
  });

  it('keeps going when Redis is unreachable: says it is down, drops messages, hides the password', async () => {
    const port = await freePort();
    const started = performance.now();
    const { bus: b, lines } = await bus('lonely', {
      url: `redis://:s3cret@127.0.0.1:${port}/2`,
      headsIntervalMs: 60_000,
    });
    expect(performance.now() - started).to.be.below(200);
    b.announceChange(['refs/heads/main']);
    b.announceHeads(new Map([['HEAD', A]]));
    await waitFor('an error to be recorded', () => status(b).bus.lastError !== null);
    const s = status(b);
    expect(s.bus).to.include({
      url: `redis://:***@127.0.0.1:${port}/2`,
      state: 'down',
      dropped: 2,
      sent: 0,
    });
    expect(s.bus.lastError).to.equal(`connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(s.converged).to.equal(false);
    expect(JSON.stringify(s) + JSON.stringify(lines)).not.to.include('s3cret');
    expect(
      lines.filter((l) => l.msg === 'cannot reach the bus; serving and polling go on, retrying'),
    ).to.have.length(1);
  });

  it('notices a Redis that went silent (no echo of its own messages) and reconnects', async () => {
    const redis = new RedisProcess(await freePort());
    await redis.start();
    try {
      const { bus: b, lines } = await bus('frozen', { url: redis.url, headsIntervalMs: 200 });
      await up(b);
      b.announceHeads(new Map([['HEAD', A]]));
      // The sockets stay open and the kernel still acknowledges packets: only the silence tells.
      redis.signal('SIGSTOP');
      await waitFor('the bus to be reported down', () => b.state() === 'down', 3000);
      expect(lines.map((l) => l.msg)).to.include(
        'the bus subscriber hears nothing, not even this replica; reconnecting',
      );
      redis.signal('SIGCONT');
      await waitFor('the bus to be up again', () => b.state() === 'up', 8000);
    } finally {
      redis.signal('SIGCONT');
      await redis.stop();
    }
  });

  it('is off without a URL: a lone replica, converged with itself', async () => {
    const { bus: b } = await bus('solo', { url: undefined });
    b.announceHeads(new Map([['HEAD', A]]));
    expect(b.state()).to.equal('off');
    expect(status(b)).to.deep.include({
      bus: { url: null, state: 'off', lastError: null },
      converged: true,
    });
    expect(status(b).replicas.map((r) => [r.id, r.self, r.head])).to.deep.equal([
      ['solo', true, A],
    ]);
  });

  it('refuses an unusable URL or replica id with a message naming the setting', async () => {
    const { logger } = captureLogger();
    const onRemoteChange = () => undefined;
    let error: unknown;
    await createBus({ url: 'http://redis:6379', replicaId: 'r1', logger, onRemoteChange }).catch(
      (e: unknown) => (error = e),
    );
    expect(error)
      .to.be.instanceOf(TypeError)
      .with.property(
        'message',
        'HOTCONF_BUS_URL must start with redis:// or rediss://, got "http://"',
      );
    await createBus({ url: REDIS_URL, replicaId: 'has space', logger, onRemoteChange }).catch(
      (e: unknown) => (error = e),
    );
    expect(error)
      .to.be.instanceOf(TypeError)
      .with.property('message')
      .that.match(/^HOTCONF_REPLICA_ID must be 1 to 128 letters/);
  });
});
