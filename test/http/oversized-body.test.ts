import net from 'node:net';
import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { bearer, Sandbox, TEST_KEY, TOKENS } from '../access/access-helpers.js';

/** What a client got back: every byte the server sent, and the socket error it saw, if any. */
interface Outcome {
  received: string;
  /** `EPIPE`/`ECONNRESET` when the server closed on the client while it was still sending. */
  error: string | undefined;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A client that is slow both to send and to read (a loaded CI machine, a slow uplink):
 * it sends the head, later a piece of the body, later another, and only then reads. A
 * server that closes after answering resets the connection on the second piece, and the
 * client loses the answer it had not read yet.
 */
async function sendSlowlyThenRead(port: number, pieces: Buffer[]): Promise<Outcome> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  const chunks: Buffer[] = [];
  let error: string | undefined;
  socket.pause();
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('end', () => socket.end());
  await new Promise((resolve) => socket.once('connect', resolve));
  for (const piece of pieces) {
    socket.write(piece);
    await pause(150);
  }
  socket.resume();
  await closed;
  return { received: Buffer.concat(chunks).toString(), error };
}

function encryptHead(framing: string): Buffer {
  return Buffer.from(
    `POST /v1/encrypt HTTP/1.1\r\nHost: x\r\nAuthorization: ${bearer(TOKENS.ops).Authorization}\r\n` +
      `Content-Type: application/json\r\n${framing}\r\n\r\n`,
  );
}

const TOO_LARGE =
  '{"error":{"code":"HC_BODY_TOO_LARGE","message":"request bodies may be at most 65536 bytes"}}';

describe('Oversized request bodies', function () {
  this.timeout(60_000);
  const sb = new Sandbox();
  let server: HotconfServer;

  before(async () => {
    server = await sb.server(await sb.repo(), {
      tokensFile: await sb.tokenFile(),
      encryptKey: TEST_KEY,
    });
  });
  after(() => sb.dispose());

  it('answers 413 with the JSON error, never a reset, to a client still sending (declared length)', async () => {
    const piece = Buffer.alloc(64 * 1024, 'x');
    for (let run = 0; run < 3; run++) {
      const outcome = await sendSlowlyThenRead(server.port, [
        encryptHead(`Content-Length: ${2 << 20}`),
        piece,
        piece,
        piece,
      ]);
      expect(outcome.error, `run ${run}`).to.equal(undefined);
      expect(outcome.received, `run ${run}`).to.match(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
      expect(outcome.received, `run ${run}`).to.match(/\r\nconnection: close\r\n/i);
      expect(outcome.received.endsWith(`\r\n\r\n${TOO_LARGE}`), `run ${run}`).to.equal(true);
    }
  });

  it('answers 413, never a reset, to a chunked body that passes the limit while the client sends', async () => {
    const chunk = (bytes: number) =>
      Buffer.concat([
        Buffer.from(`${bytes.toString(16)}\r\n`),
        Buffer.alloc(bytes, 'x'),
        Buffer.from('\r\n'),
      ]);
    const outcome = await sendSlowlyThenRead(server.port, [
      encryptHead('Transfer-Encoding: chunked'),
      chunk(100 * 1024),
      chunk(64 * 1024),
      chunk(64 * 1024),
    ]);
    expect(outcome.error).to.equal(undefined);
    expect(outcome.received).to.match(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(outcome.received.endsWith(`\r\n\r\n${TOO_LARGE}`)).to.equal(true);
  });

  it('stops reading a slow client that never stops sending after 5 s', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
    const started = Date.now();
    socket.write(encryptHead(`Content-Length: ${1 << 30}`));
    // 16 kB every 50 ms: never idle, far under the byte budget, so only the time budget ends it.
    const pump = setInterval(() => socket.write(Buffer.alloc(16 * 1024, 'x')), 50);
    try {
      expect((await closed) - started).to.be.within(4500, 15_000);
    } finally {
      clearInterval(pump);
    }
  });

  it('stops reading a fast client soon after 8 MiB of unwanted body, long before the 1 GiB it declared', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(encryptHead(`Content-Length: ${1 << 30}`));
    const piece = Buffer.alloc(256 * 1024, 'x');
    const pump = () => {
      while (!socket.destroyed && socket.write(piece));
    };
    socket.on('drain', pump);
    pump();
    await closed;
    // The budget is checked every 50 ms, so a client on loopback overshoots it by what it
    // sends in that time (tens of MiB on a fast machine), plus the kernels' buffers: far
    // from the gibibyte it declared.
    expect(socket.bytesWritten).to.be.within(8 << 20, 256 << 20);
  });

  it('keeps serving after turning big bodies away', async () => {
    expect((await fetch(`${server.url}/health`)).status).to.equal(200);
  });
});
