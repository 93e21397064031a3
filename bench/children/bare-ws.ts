import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveIpc } from '../lib/ipc.js';
import { wallNow } from '../lib/measure.js';

/**
 * The physical limit for pushes: a bare `ws` server, configured as hotconf's hub is (no
 * compression, no client tracking), that answers any subscribe with a snapshot and, on
 * `broadcast`, sends one Buffer to every connection in a plain loop — no config logic.
 */
const peers = new Set<WebSocket>();
let snapshot: Buffer = Buffer.from('{}');
let change: Buffer = Buffer.from('{}');

const server = http.createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({
  noServer: true,
  maxPayload: 1 << 20,
  perMessageDeflate: false,
  clientTracking: false,
});
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    peers.add(ws);
    ws.on('message', () => ws.send(snapshot));
    ws.on('error', () => undefined);
    ws.on('close', () => peers.delete(ws));
  });
});

server.listen(0, '127.0.0.1', () => {
  const port = (server.address() as AddressInfo).port;
  serveIpc(
    {
      /** The bytes to send: hotconf's own snapshot and change frames, captured in the same run. */
      frames(p: { snapshot: string; change: string }) {
        snapshot = Buffer.from(p.snapshot, 'base64');
        change = Buffer.from(p.change, 'base64');
        return { connections: peers.size };
      },
      broadcast() {
        const startedAt = wallNow();
        for (const ws of peers) ws.send(change);
        return { startedAt, loopMs: wallNow() - startedAt, connections: peers.size };
      },
    },
    { name: 'bare-ws', url: `ws://127.0.0.1:${port}/v1/watch` },
  );
});
