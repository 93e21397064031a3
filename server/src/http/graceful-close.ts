import type http from 'node:http';
import net from 'node:net';

/** How long a keep-alive connection may sit idle during shutdown before it is closed. */
const IDLE_MS = 1000;

/**
 * Shutdown that cuts nothing. Node's own `http.Server.close()` (Node >= 19) destroys every
 * connection it deems idle, and a connection counts as idle as soon as `res.end()` was
 * called, even with megabytes still unflushed: a slow reader's response is cut. Here the
 * listener stops accepting (plain `net.Server.close`), each response sent from then on
 * says `Connection: close`, a connection is ended (FIN after its buffered bytes, never
 * destroyed) once its responses are flushed and it has been idle for a second, and only
 * `graceMs` after the start is anything left destroyed.
 */
export function gracefulCloser(server: http.Server): (graceMs: number) => Promise<void> {
  const connections = new Map<net.Socket, { inFlight: number; idleSince: number }>();
  let closing = false;
  server.on('connection', (socket: net.Socket) => {
    connections.set(socket, { inFlight: 0, idleSince: performance.now() });
    socket.once('close', () => connections.delete(socket));
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const conn = connections.get(req.socket);
    if (!conn) return;
    conn.inFlight++;
    if (closing) res.setHeader('Connection', 'close');
    // 'finish': the last byte was handed to the OS; 'close' also covers an aborted response.
    res.once('close', () => {
      conn.inFlight--;
      conn.idleSince = performance.now();
    });
  });

  return async (graceMs) => {
    closing = true;
    const closed = new Promise<void>((resolve) =>
      net.Server.prototype.close.call(server, () => resolve()),
    );
    const reap = () => {
      const now = performance.now();
      for (const [socket, conn] of connections) {
        if (conn.inFlight === 0 && socket.writableLength === 0 && now - conn.idleSince >= IDLE_MS)
          socket.end();
      }
    };
    const reaper = setInterval(reap, 100);
    const force = setTimeout(() => {
      for (const socket of connections.keys()) socket.destroy();
    }, graceMs);
    try {
      await closed;
    } finally {
      clearInterval(reaper);
      clearTimeout(force);
    }
    // Nothing is left to sweep now; http's own close() also stops its timeout-checking timer.
    server.close(() => undefined);
  };
}
