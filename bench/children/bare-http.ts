import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveIpc } from '../lib/ipc.js';

/**
 * The physical limit for reads: bare `node:http` answering each benchmarked path with the
 * exact bytes hotconf serves for it. argv[2] is a JSON file {path: base64 body}.
 */
const bodies = new Map<string, Buffer>(
  Object.entries(
    JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as Record<string, string>,
  ).map(([p, b]) => [p, Buffer.from(b, 'base64')]),
);

const server = http.createServer((req, res) => {
  const body = bodies.get(req.url ?? '');
  if (!body) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  serveIpc(
    {},
    { name: 'bare-http', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
  );
});
