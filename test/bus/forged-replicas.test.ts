import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createBus, type Bus } from '../../server/src/bus/bus.js';
import { ReplicaTable } from '../../server/src/bus/replica-table.js';
import { REDIS_URL, requireRedis, waitFor } from './redis-helpers.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('a bus flooded with forged messages', () => {
  let channel: string;
  let bus: Bus;
  let raw: Redis;
  const lines: { msg: string; level: number }[] = [];

  before(() => requireRedis());
  beforeEach(async () => {
    channel = `hotconf:test:${randomUUID()}`;
    lines.length = 0;
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as { msg: string; level: number });
        done();
      },
    });
    bus = await createBus({
      url: REDIS_URL,
      replicaId: 'one',
      logger: pino({ level: 'info' }, stream),
      onRemoteChange: () => undefined,
      channel,
      headsIntervalMs: 300,
      maxReplicas: 50,
    });
    raw = new Redis(REDIS_URL);
    await waitFor('the bus to be up', () => bus.state() === 'up', 5000);
    bus.announceHeads(new Map([['HEAD', A]]));
  });
  afterEach(async () => {
    raw.disconnect();
    await bus.close();
  });

  const status = () =>
    bus.status() as {
      bus: { received: number; refused: number };
      replicas: { id: string }[];
      converged: boolean;
    };
  const heads = (replica: string, head: string) =>
    JSON.stringify({
      v: 1,
      type: 'heads',
      replica,
      instance: randomUUID(),
      at: Date.now(),
      heads: { HEAD: head },
    });

  it('caps the replica table, logs a few lines, and converges again once the forgeries expire', async () => {
    const pipeline = raw.pipeline();
    for (let i = 0; i < 2000; i++) pipeline.publish(channel, heads(`forged-${i}`, B));
    // And as many claiming to be this replica, each from a "new process".
    for (let i = 0; i < 2000; i++) pipeline.publish(channel, heads('one', B));
    await pipeline.exec();
    await waitFor('all 4000 to arrive', () => status().bus.received === 4000, 10_000);
    expect(status().replicas).to.have.length(51);
    expect(status().bus.refused).to.equal(1950);
    expect(status().converged).to.equal(false);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings.length).to.be.at.most(3);
    // Forged ids say nothing more: they expire after three intervals, and the fleet agrees again.
    await waitFor('the forged replicas to expire', () => status().replicas.length === 1, 5000);
    expect(status().converged).to.equal(true);
  });
});

describe('ReplicaTable', () => {
  it('keeps listed replicas and turns newcomers away while full, until one expires', () => {
    let now = 0;
    const table = new ReplicaTable({
      selfId: 'self',
      expireAfterMs: 100,
      maxReplicas: 2,
      now: () => now,
    });
    expect(table.heard('a', 'i1', { HEAD: A })).to.equal('new');
    expect(table.heard('b', 'i2', { HEAD: A })).to.equal('new');
    expect(table.heard('c', 'i3', { HEAD: A })).to.equal('refused');
    expect(table.heard('a', 'i1', { HEAD: A })).to.equal('known');
    expect(table.heard('a', 'i9', { HEAD: A })).to.equal('new');
    expect(table.refused).to.equal(1);
    now = 60;
    table.heard('a', 'i9', { HEAD: A });
    now = 120;
    expect(table.heard('c', 'i3', { HEAD: A })).to.equal('new');
    expect(table.list().map((r) => r.id)).to.deep.equal(['a', 'c', 'self']);
  });
});
