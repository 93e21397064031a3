import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import type { FastPath } from './fast-reads.js';
import { gracefulCloser } from './graceful-close.js';

/** The listening socket: Koa for requests, the WebSocket hub for `/v1/watch` upgrades. */
export interface HttpServer {
  readonly port: number;
  /** Stops accepting and lets responses finish; destroys what is left after `graceMs`. */
  close(graceMs: number): Promise<void>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  app: Koa;
  /** Answers the hottest reads ahead of Koa; whatever it declines goes to Koa. */
  fastPath?: FastPath;
  /** Takes over a `/v1/watch` upgrade; other upgrade paths are refused with 404. */
  onWatchUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
}

/**
 * Binds the port. Limits against slow and oversized requests (docs/security.md): headers
 * must arrive within 10 s and the whole request within 30 s, checked every second.
 */
export async function listenHttp(options: HttpServerOptions): Promise<HttpServer> {
  const server = http.createServer({
    maxHeaderSize: 16 * 1024,
    headersTimeout: 10_000,
    requestTimeout: 30_000,
    connectionsCheckingInterval: 1000,
  });
  server.keepAliveTimeout = 65_000;
  server.maxHeadersCount = 100;
  // First, so its per-request bookkeeping runs before any handler can end the response.
  const close = gracefulCloser(server);
  const koa = options.app.callback();
  const fast = options.fastPath;
  server.on('request', fast ? (req, res) => fast(req, res) || void koa(req, res) : koa);
  server.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] === '/v1/watch') options.onWatchUpgrade(req, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return { port: (server.address() as AddressInfo).port, close };
}
