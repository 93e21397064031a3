import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { RawWebSocket } from '../helpers/raw-websocket.js';
import { request, startServer, WatchClient } from '../helpers/server.js';

/** Splits a byte stream from the server into whole frames (server frames are never masked). */
function frames(bytes: Buffer): { header: Buffer; payload: Buffer; raw: Buffer }[] {
  const out: { header: Buffer; payload: Buffer; raw: Buffer }[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const second = bytes[at + 1] as number;
    expect(second & 0x80, 'a server frame must not be masked').to.equal(0);
    let length = second & 0x7f;
    let head = 2;
    if (length === 126) {
      length = bytes.readUInt16BE(at + 2);
      head = 4;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(at + 2));
      head = 10;
    }
    if (at + head + length > bytes.length) break;
    out.push({
      header: bytes.subarray(at, at + head),
      payload: bytes.subarray(at + head, at + head + length),
      raw: bytes.subarray(at, at + head + length),
    });
    at += head + length;
  }
  return out;
}

async function until(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('fan-out of a change (frames built once)', () => {
  let repo: GitFixture;
  let server: HotconfServer;
  const raws: RawWebSocket[] = [];
  const clients: WatchClient[] = [];

  beforeEach(async () => {
    repo = await GitFixture.create({ 'orders.yml': 'db:\n  pool: 10\n' });
    server = await startServer({ repo: repo.dir });
  });

  afterEach(async () => {
    for (const r of raws.splice(0)) r.destroy();
    for (const c of clients.splice(0)) c.close();
    await server.close();
    await repo.remove();
  });

  it('writes every subscriber the same well-formed text frame, byte for byte', async () => {
    const streams: Buffer[][] = [];
    for (let i = 0; i < 3; i++) {
      const raw = await RawWebSocket.connect(server.url);
      raws.push(raw);
      const chunks: Buffer[] = [];
      streams.push(chunks);
      raw.socket.on('data', (c: Buffer) => chunks.push(c));
      raw.sendText(
        JSON.stringify({
          type: 'subscribe',
          id: 'orders/default@',
          service: 'orders',
          profiles: ['default'],
        }),
      );
    }
    const all = () => streams.map((s) => frames(Buffer.concat(s)));
    await until(() => all().every((f) => f.length === 1), 'three snapshots');
    const big = 'x'.repeat(300);
    const commit = await repo.commit({ 'orders.yml': `db:\n  pool: 11\nnote: ${big}\n` });
    await until(() => all().every((f) => f.length === 2), 'three changes');
    const changes = all().map((f) => f[1]!);
    expect(changes[1]!.raw.equals(changes[0]!.raw)).to.equal(true);
    expect(changes[2]!.raw.equals(changes[0]!.raw)).to.equal(true);
    const { header, payload } = changes[0]!;
    expect(header[0], 'FIN + text opcode').to.equal(0x81);
    expect(header[1]).to.equal(126);
    expect(header.readUInt16BE(2)).to.equal(payload.length);
    const served = await request(`${server.url}/v1/config/orders/default`);
    expect(JSON.parse(payload.toString())).to.deep.equal({
      type: 'change',
      id: 'orders/default@',
      version: commit,
      etag: served.json.etag,
      config: { db: { pool: 11 }, note: big },
      changedKeys: ['db.pool', 'note'],
    });
  });

  it('keeps delivering to the others while subscribers close in the middle of pushes', async () => {
    for (let i = 0; i < 30; i++) {
      const c = await WatchClient.open(server.url);
      clients.push(c);
      c.subscribe('s', 'orders', ['default']);
    }
    await Promise.all(clients.map((c) => c.waitFor(1)));
    let last = '';
    for (let n = 0; n < 10; n++) {
      // Two sockets go away while the commit is on its way to them.
      const commit = repo.commit({ 'orders.yml': `db:\n  pool: ${20 + n}\n` });
      clients[2 * n]!.close();
      clients[2 * n + 1]!.ws.close();
      last = await commit;
    }
    for (const c of clients.slice(20))
      await c.waitUntil((m) => m.type === 'change' && m.version === last, 8000);
    expect((await request(`${server.url}/health`)).status).to.equal(200);
  });
});
