import Router from '@koa/router';
import Koa from 'koa';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveIpc } from '../lib/ipc.js';

/**
 * A bare Koa 3 + @koa/router app answering each benchmarked path with the exact bytes
 * hotconf serves for it: what the framework alone costs. argv[2] as for bare-http.
 */
const bodies = Object.entries(
  JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as Record<string, string>,
);

const app = new Koa();
const router = new Router();
for (const [p, b] of bodies) {
  const body = Buffer.from(b, 'base64');
  router.get(p, (ctx) => {
    ctx.type = 'application/json';
    ctx.body = body;
  });
}
app.use(router.routes());
app.use(router.allowedMethods());

const server = http.createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  serveIpc(
    {},
    { name: 'bare-koa', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
  );
});
