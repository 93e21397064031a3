import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * The one place that looks inside `ws` (8.x), so the hub can write a frame it built once
 * to thousands of sockets. `ws` has no public way to send pre-framed bytes; what it does
 * in `Sender#sendFrame` is a plain write to the connection's socket, so writing the same
 * bytes there ourselves keeps the order of everything on the wire — provided `ws` holds
 * nothing queued of its own (its sender only queues while compressing or reading a Blob)
 * and no extension rewrites frames. When any of that cannot be confirmed, this answers
 * undefined and the caller uses `ws.send`. `test/watch/ws-internals.test.ts` fails
 * loudly if a `ws` upgrade changes the shape relied on here.
 */

/** The private fields read, as ws 8 names them. */
interface WsShape {
  _socket?: unknown;
  _sender?: { _state?: unknown; _queue?: unknown };
  _extensions?: unknown;
}

/** ws's `Sender` state when it is neither compressing nor waiting on a Blob. */
const SENDER_IDLE = 0;

function isSocket(value: unknown): value is Socket {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Socket).write === 'function' &&
    typeof (value as Socket).writable === 'boolean'
  );
}

/**
 * The socket under an open server-side connection when a complete frame may be written
 * straight to it now; otherwise undefined (send through `ws`).
 */
export function directSocketOf(ws: WebSocket): Socket | undefined {
  const shape = ws as unknown as WsShape;
  const sender = shape._sender;
  const socket = shape._socket;
  if (!sender || sender._state !== SENDER_IDLE) return undefined;
  if (!Array.isArray(sender._queue) || sender._queue.length > 0) return undefined;
  const extensions = shape._extensions;
  if (typeof extensions !== 'object' || extensions === null) return undefined;
  if (Object.keys(extensions).length > 0) return undefined;
  if (!isSocket(socket) || !socket.writable) return undefined;
  return socket;
}
