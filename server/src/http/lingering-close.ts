import type http from 'node:http';

/** How much of an unwanted request body is read and dropped after the answer, and for how long. */
export interface LingerLimits {
  /** Bytes of body read after the answer before the connection is cut. */
  maxBytes: number;
  /** Time after the answer before the connection is cut, however busy. */
  maxMs: number;
  /** Time without a byte from the client before the connection is cut. */
  idleMs: number;
}

/** nginx lingers 30 s with a 5 s idle limit; a config server's clients are on a LAN. */
export const LINGER: LingerLimits = { maxBytes: 8 << 20, maxMs: 5000, idleMs: 2000 };

/** How often a lingering connection's budget is checked. */
const CHECK_MS = 50;

const lingering = new WeakSet<http.IncomingMessage>();

/**
 * Makes the close that follows the answer to `req` a lingering one (nginx's
 * `lingering_close`). Node ends a `Connection: close` response with `socket.destroySoon()`:
 * a FIN, then the socket is destroyed while the client may still be sending its body. The
 * client's next segment then meets a closed socket and draws a reset, and a client that
 * had not read the answer yet sees `ECONNRESET`/`EPIPE` instead of it. Here the FIN goes
 * out the same way, but the rest of the body is read and dropped until it ends, or until
 * `limits` run out — only then is the socket destroyed.
 */
export function lingerOnClose(req: http.IncomingMessage, limits: LingerLimits = LINGER): void {
  if (lingering.has(req)) return;
  lingering.add(req);
  const socket = req.socket;
  // The one hook Node offers between "response written" and "socket destroyed".
  socket.destroySoon = () => {
    // Destroy only once the answer is flushed, as destroySoon itself would.
    const destroyWhenFlushed = () => {
      if (socket.writableFinished) socket.destroy();
      else socket.once('finish', () => socket.destroy());
    };
    socket.end();
    if (req.complete) return destroyWhenFlushed();
    // Node drops a resumed request's body inside its parser (no 'data' events), so progress
    // is read from the socket's byte count.
    const start = { at: Date.now(), bytes: socket.bytesRead };
    let progress = { ...start };
    const watch = setInterval(() => {
      const now = Date.now();
      const bytes = socket.bytesRead;
      if (bytes !== progress.bytes) progress = { at: now, bytes };
      const spent =
        bytes - start.bytes > limits.maxBytes ||
        now - start.at >= limits.maxMs ||
        now - progress.at >= limits.idleMs;
      if (spent) cut();
    }, CHECK_MS).unref();
    const cut = () => {
      clearInterval(watch);
      destroyWhenFlushed();
    };
    req.once('end', cut);
    socket.once('close', () => clearInterval(watch));
  };
}
