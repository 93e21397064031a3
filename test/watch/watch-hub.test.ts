import { expect } from 'chai';
import type { ChangeMessage, ServerMessage } from '@hotconf/client';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { RawWebSocket } from '../helpers/raw-websocket.js';
import { settle, sleep, startServer, WatchClient } from '../helpers/server.js';

const SCHEMA = JSON.stringify({
  type: 'object',
  properties: { db: { type: 'object', properties: { pool: { type: 'integer', maximum: 500 } } } },
});

describe('WatchHub (/v1/watch)', () => {
  let repo: GitFixture;
  let server: HotconfServer;
  const clients: WatchClient[] = [];

  beforeEach(async () => {
    repo = await GitFixture.create({
      'application.yml': 'shared: 1\n',
      'orders.yml': 'db:\n  pool: 10\n  host: a\nflags:\n  fast: true\n',
      'payments.yml': 'fee: 1\n',
      'schemas/orders.schema.json': SCHEMA,
    });
    server = await startServer({ repo: repo.dir });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.close();
    await repo.remove();
  });

  async function client(): Promise<WatchClient> {
    const c = await WatchClient.open(server.url);
    clients.push(c);
    return c;
  }

  async function subscribed(service = 'orders', id = 's1'): Promise<WatchClient> {
    const c = await client();
    c.subscribe(id, service, ['default']);
    await c.waitFor(1);
    return c;
  }

  it('sends a snapshot on subscribe, then a change with changedKeys on commit', async () => {
    const c = await subscribed();
    const [snapshot] = c.messages;
    expect(snapshot).to.deep.include({ type: 'snapshot', id: 's1', version: await repo.head() });
    expect((snapshot as { config: unknown }).config).to.deep.equal({
      shared: 1,
      db: { pool: 10, host: 'a' },
      flags: { fast: true },
    });
    const commit = await repo.commit({
      'orders.yml': 'db:\n  pool: 20\n  host: a\n  port: 5432\nflags: {}\n',
      'application.yml': 'shared: 1\n',
    });
    const change = (await c.waitFor(2))[1] as ChangeMessage;
    expect(change).to.deep.equal({
      type: 'change',
      id: 's1',
      version: commit,
      etag: change.etag,
      config: { shared: 1, db: { pool: 20, host: 'a', port: 5432 }, flags: {} },
      changedKeys: ['db.pool', 'db.port', 'flags.fast'],
    });
    expect(change.etag).to.not.equal((snapshot as { etag: string }).etag);
  });

  it('carries many subscriptions on one connection', async () => {
    const c = await client();
    c.subscribe('o', 'orders', ['default']);
    c.subscribe('p', 'payments', ['default']);
    await c.waitFor(2);
    await repo.commit({ 'payments.yml': 'fee: 2\n' });
    const change = await c.waitUntil((m) => m.type === 'change');
    expect(change).to.deep.include({ id: 'p', changedKeys: ['fee'] });
  });

  it('pushes nothing to a document a commit did not change', async () => {
    const orders = await subscribed('orders', 'o');
    const payments = await subscribed('payments', 'p');
    await repo.commit({ 'payments.yml': 'fee: 3\n' });
    await payments.waitFor(2);
    await settle(server);
    await sleep(100);
    expect(orders.messages).to.have.length(1);
  });

  it('pushes nothing for a commit the schema gate rejects', async () => {
    const c = await subscribed();
    await repo.commit({ 'orders.yml': 'db:\n  pool: 9000\n' });
    await settle(server);
    await sleep(100);
    expect(c.messages).to.have.length(1);
    const good = await repo.commit({ 'orders.yml': 'db:\n  pool: 30\n' });
    expect(((await c.waitFor(2))[1] as ChangeMessage).version).to.equal(good);
  });

  it('resumes by etag: subscribed when current, a snapshot when a commit came in between', async () => {
    const first = await subscribed();
    const etag = (first.messages[0] as { etag: string }).etag;
    first.close();
    const same = await client();
    same.subscribe('s1', 'orders', ['default'], { etag });
    expect((await same.waitFor(1))[0]).to.deep.equal({
      type: 'subscribed',
      id: 's1',
      version: await repo.head(),
      etag,
    });
    same.close();
    const commit = await repo.commit({ 'orders.yml': 'db:\n  pool: 40\n' });
    await settle(server);
    const back = await client();
    back.subscribe('s1', 'orders', ['default'], { etag });
    const [snap] = await back.waitFor(1);
    expect(snap).to.deep.include({ type: 'snapshot', version: commit });
    expect((snap as unknown as { config: { db: unknown } }).config.db).to.deep.equal({ pool: 40 });
  });

  it('ends every subscriber on the last of 50 commits in a burst, never going back', async () => {
    const subs = await Promise.all([1, 2, 3].map((i) => subscribed('orders', `s${i}`)));
    const commits: string[] = [];
    for (let i = 1; i <= 50; i++)
      commits.push(await repo.commit({ 'orders.yml': `db:\n  pool: ${100 + i}\n` }));
    const last = commits[commits.length - 1] as string;
    for (const c of subs) {
      await c.waitUntil((m) => m.type === 'change' && m.version === last, 10_000);
      const seen = c.messages
        .filter((m): m is ChangeMessage => m.type === 'change')
        .map((m) => commits.indexOf(m.version));
      expect(
        seen.every((index) => index >= 0),
        'only commits of the burst',
      ).to.equal(true);
      expect(seen, 'in commit order').to.deep.equal([...seen].sort((a, b) => a - b));
      expect(new Set(seen).size).to.equal(seen.length);
      expect((c.messages.at(-1) as ChangeMessage).config).to.deep.include({ db: { pool: 150 } });
    }
  });

  it('does not let a stalled reader delay the others, and gives it only the newest once it reads', async () => {
    const stalled = await RawWebSocket.connect(server.url);
    stalled.sendText(
      JSON.stringify({ type: 'subscribe', id: 'x', service: 'orders', profiles: ['default'] }),
    );
    await sleep(100);
    stalled.stall();
    const healthy = await subscribed();
    // ~600 kB documents: a few of them fill the stalled peer's socket buffers.
    const big = (n: number) => `db:\n  pool: ${n}\nblob: "${'x'.repeat(600_000)}"\n`;
    let last = '';
    for (let i = 1; i <= 12; i++) {
      last = await repo.commit({ 'orders.yml': big(i) });
      const started = Date.now();
      await healthy.waitUntil((m) => m.type === 'change' && m.version === last, 5000);
      expect(Date.now() - started).to.be.below(2000);
    }
    expect(stalled.closed).to.equal(false);
    stalled.destroy();
  });

  describe('bad input', () => {
    const error = (m: ServerMessage) => m.type === 'error';

    it('answers each malformed message with an error code and keeps the connection', async () => {
      const c = await client();
      const cases: [unknown, string][] = [
        ['not json', 'HC_BAD_MESSAGE'],
        [[1, 2], 'HC_BAD_MESSAGE'],
        [{ type: 'dance', id: 'a' }, 'HC_UNKNOWN_TYPE'],
        [{ type: 'subscribe', id: 'a' }, 'HC_BAD_MESSAGE'],
        [{ type: 'subscribe', id: 'a', service: '../etc', profiles: [] }, 'HC_INVALID_NAME'],
        [
          { type: 'subscribe', id: 'a', service: 'orders', profiles: ['--upload-pack=x'] },
          'HC_INVALID_NAME',
        ],
        [
          { type: 'subscribe', id: 'a', service: 'orders', profiles: [], label: 'HEAD@{1}' },
          'HC_INVALID_LABEL',
        ],
        [{ type: 'subscribe', id: 'a', service: 'nope', profiles: [] }, 'HC_SERVICE_NOT_FOUND'],
        [
          `{"type":"subscribe","id":"a","service":"orders","profiles":[],"pad":"${'y'.repeat(70_000)}"}`,
          'HC_FRAME_TOO_LARGE',
        ],
      ];
      for (const [message, code] of cases) {
        const before = c.messages.length;
        c.send(message);
        const [reply] = (await c.waitFor(before + 1)).slice(before);
        expect(reply, JSON.stringify(message).slice(0, 80)).to.include({ type: 'error', code });
        expect((reply as { message: string }).message)
          .to.be.a('string')
          .and.not.match(/\/tmp\/|\.js:\d+/);
      }
      c.subscribe('ok', 'orders', ['default']);
      expect(await c.waitUntil((m) => m.type === 'snapshot')).to.include({ id: 'ok' });
    });

    it('refuses subscriptions past the per-connection limit', async () => {
      const c = await client();
      for (let i = 0; i < 101; i++) c.subscribe(`s${i}`, 'orders', ['default']);
      const err = await c.waitUntil(error);
      expect(err).to.deep.include({ code: 'HC_TOO_MANY_SUBSCRIPTIONS', id: 's100' });
    });

    it('refuses each subscribe past 100 on its own, never as a malformed message', async () => {
      const c = await client();
      for (let i = 0; i < 120; i++) c.subscribe(`s${i}`, 'orders', ['default']);
      await c.waitFor(120);
      const refused = c.messages.filter(error);
      expect(refused).to.have.length(20);
      expect(refused[0]).to.deep.equal({
        type: 'error',
        id: refused[0]?.id,
        code: 'HC_TOO_MANY_SUBSCRIPTIONS',
        message:
          'a connection may hold at most 100 subscriptions; unsubscribe one or open another connection',
      });
      expect(c.messages.filter((m) => m.type === 'snapshot')).to.have.length(100);
      c.send({ type: 'unsubscribe', id: 's0' });
      c.subscribe('again', 'orders', ['default']);
      expect(await c.waitUntil((m) => m.type === 'snapshot' && m.id === 'again')).to.include({
        id: 'again',
      });
      expect(c.closeCode).to.equal(undefined);
    });

    it('closes a peer that keeps misbehaving with 1008, leaving others untouched', async () => {
      const healthy = await subscribed();
      const c = await client();
      for (let i = 0; i < 20; i++) c.send('garbage');
      expect(await c.closed).to.equal(1008);
      const commit = await repo.commit({ 'orders.yml': 'db:\n  pool: 11\n' });
      expect(await healthy.waitUntil((m) => m.type === 'change')).to.include({ version: commit });
    });
  });
});

describe('WatchHub heartbeat', () => {
  it('drops a peer that does not answer pings for two intervals', async () => {
    const repo = await GitFixture.create({ 'orders.yml': 'a: 1\n' });
    const server = await startServer({ repo: repo.dir, pingInterval: 0.2 });
    try {
      const silent = await RawWebSocket.connect(server.url);
      const alive = await WatchClient.open(server.url);
      const started = Date.now();
      await silent.ended();
      const took = Date.now() - started;
      expect(took).to.be.within(300, 2000);
      expect(alive.closeCode).to.equal(undefined);
      alive.close();
    } finally {
      await server.close();
      await repo.remove();
    }
  });
});

describe('WatchHub and documents with no valid version', () => {
  it('pushes the first valid version to a subscriber that came while there was none', async () => {
    const repo = await GitFixture.create({
      'orders.yml': 'db:\n  pool: 9000\n',
      'schemas/orders.schema.json': SCHEMA,
    });
    const server = await startServer({ repo: repo.dir });
    const c = await WatchClient.open(server.url);
    try {
      c.subscribe('s', 'orders', ['default']);
      const [first] = await c.waitFor(1);
      expect(first).to.include({ type: 'error', code: 'HC_DOCUMENT_INVALID', id: 's' });
      const fixed = await repo.commit({ 'orders.yml': 'db:\n  pool: 50\n' });
      const change = (await c.waitFor(2))[1] as ChangeMessage;
      expect(change).to.include({ type: 'change', id: 's', version: fixed });
      expect(change.config).to.deep.equal({ db: { pool: 50 } });
      expect(change.changedKeys).to.deep.equal(['db.pool']);
    } finally {
      c.close();
      await server.close();
      await repo.remove();
    }
  });
});
