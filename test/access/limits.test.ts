import net from 'node:net';
import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { bearer, Sandbox, TOKENS } from './access-helpers.js';
import { rawRequest } from './hostile-helpers.js';

describe('Request limits', function () {
  this.timeout(40_000);
  const sb = new Sandbox();
  let server: HotconfServer;

  before(async () => {
    server = await sb.server(await sb.repo(), { tokensFile: await sb.tokenFile() });
  });
  after(() => sb.dispose());

  it('answers 431 to headers past 16 kB, and keeps serving', async () => {
    const reply = await rawRequest(
      server.port,
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(17 * 1024)}\r\n\r\n`,
    );
    expect(reply.status).to.equal(431);
    expect((await fetch(`${server.url}/health`)).status).to.equal(200);
  });

  it('answers 413 to a body past 1 MiB on a POST route', async () => {
    const res = await fetch(`${server.url}/v1/webhook`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(1 << 20) }),
    });
    expect(res.status).to.equal(413);
    expect(await res.json()).to.deep.equal({
      error: { code: 'HC_BODY_TOO_LARGE', message: 'request bodies may be at most 1048576 bytes' },
    });
  });

  it('refuses more than 8 profiles and names past 64 characters with 400', async () => {
    const nine = await fetch(`${server.url}/v1/config/orders/a,b,c,d,e,f,g,h,i`, {
      headers: bearer(TOKENS.orders),
    });
    expect(nine.status).to.equal(400);
    expect(await nine.json()).to.deep.equal({
      error: { code: 'HC_INVALID_NAME', message: 'at most 8 profiles may be named, got 9' },
    });
    const long = await fetch(`${server.url}/v1/config/${'o'.repeat(65)}/dev`, {
      headers: bearer(TOKENS.orders),
    });
    expect(long.status).to.equal(400);
    expect(((await long.json()) as { error: { code: string } }).error.code).to.equal(
      'HC_INVALID_NAME',
    );
  });

  it('drops a slow-loris client that trickles headers, with 408 after the 10 s header timeout', async () => {
    const started = Date.now();
    const socket = net.connect(server.port, '127.0.0.1');
    let reply = '';
    socket.on('data', (c: Buffer) => (reply += c.toString()));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => socket.write(`X-Drip-${Date.now()}: 1\r\n`), 500);
    await closed;
    clearInterval(drip);
    const elapsed = Date.now() - started;
    expect(reply).to.match(/^HTTP\/1\.1 408 /);
    expect(elapsed).to.be.within(9_000, 25_000);
    expect((await fetch(`${server.url}/health`)).status).to.equal(200);
  });
});
