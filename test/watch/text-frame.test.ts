import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { sendFrame, textFrame } from '../../server/src/watch/text-frame.js';
import { directWriterFor } from '../../server/src/watch/ws-internals.js';

/** A bare ws server and one client connected to it, as the hub configures ws. */
async function pair(perMessageDeflate = false) {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate, clientTracking: false });
  const accepted = new Promise<WebSocket>((resolve) =>
    server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, resolve)),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate });
  const received: { data: string; binary: boolean }[] = [];
  client.on('message', (data, binary) => received.push({ data: data.toString(), binary }));
  await new Promise<void>((resolve, reject) => client.once('open', resolve).once('error', reject));
  const peer = await accepted;
  const until = async (n: number) => {
    const deadline = Date.now() + 5000;
    while (received.length < n) {
      if (Date.now() > deadline) throw new Error(`got ${received.length} of ${n} messages`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const close = async () => {
    client.terminate();
    peer.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { peer, direct: directWriterFor(peer), client, received, until, close };
}

describe('textFrame', () => {
  it('builds a FIN text frame, unmasked, with 7-, 16- and 64-bit lengths as RFC 6455 says', () => {
    expect([...textFrame('hi').frame]).to.deep.equal([0x81, 2, 0x68, 0x69]);
    const mid = textFrame('x'.repeat(300));
    expect([...mid.frame.subarray(0, 4)]).to.deep.equal([0x81, 126, 1, 44]);
    const big = textFrame('y'.repeat(70_000));
    expect([...big.frame.subarray(0, 10)]).to.deep.equal([0x81, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
    expect(big.payload.toString()).to.equal('y'.repeat(70_000));
    expect(textFrame('é').frame[1]).to.equal(2);
  });
});

describe('sendFrame over a real ws connection', () => {
  let conn: Awaited<ReturnType<typeof pair>>;
  afterEach(() => conn.close());

  it('finds the socket under ws 8 (fails here if a ws upgrade changed its internals)', async () => {
    conn = await pair();
    expect(
      directWriterFor(conn.peer),
      'ws internals changed: update server/src/watch/ws-internals.ts',
    ).to.not.equal(undefined);
  });

  it('delivers each size byte for byte, as text, through the direct write', async () => {
    conn = await pair();
    const texts = [
      '{"a":1}',
      JSON.stringify({ s: 'é'.repeat(200) }),
      JSON.stringify({ s: 'z'.repeat(80_000) }),
    ];
    for (const t of texts) sendFrame(conn.peer, conn.direct, textFrame(t));
    await conn.until(3);
    expect(conn.received).to.deep.equal(texts.map((data) => ({ data, binary: false })));
  });

  it('keeps the order of frames interleaved with ws.send and pings', async () => {
    conn = await pair();
    let pings = 0;
    conn.client.on('ping', () => pings++);
    for (let i = 0; i < 50; i++) {
      sendFrame(conn.peer, conn.direct, textFrame(`{"n":${2 * i}}`));
      conn.peer.ping();
      conn.peer.send(`{"n":${2 * i + 1}}`);
    }
    await conn.until(100);
    expect(conn.received.map((m) => (JSON.parse(m.data) as { n: number }).n)).to.deep.equal(
      Array.from({ length: 100 }, (_, i) => i),
    );
    expect(pings).to.equal(50);
  });

  it('sends nothing after close has begun, and the peer sees a clean close', async () => {
    conn = await pair();
    sendFrame(conn.peer, conn.direct, textFrame('{"before":true}'));
    conn.peer.close(1012, 'server restarting');
    sendFrame(conn.peer, conn.direct, textFrame('{"after":true}'));
    const code = await new Promise<number>((resolve) => conn.client.once('close', resolve));
    expect(code).to.equal(1012);
    expect(conn.received.map((m) => m.data)).to.deep.equal(['{"before":true}']);
  });

  it('falls back to ws.send when compression is negotiated', async () => {
    conn = await pair(true);
    expect(directWriterFor(conn.peer)).to.equal(undefined);
    sendFrame(conn.peer, conn.direct, textFrame('{"deflated":"' + 'q'.repeat(2000) + '"}'));
    await conn.until(1);
    expect(conn.received[0]).to.deep.equal({
      data: '{"deflated":"' + 'q'.repeat(2000) + '"}',
      binary: false,
    });
  });
});
