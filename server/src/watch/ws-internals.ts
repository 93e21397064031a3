import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * The one place that looks inside `ws` (8.x), so the hub can write a frame it built once
 * to thousands of sockets. `ws` has no public way to send pre-framed bytes; what it does
 * in `Sender#sendFrame` is a plain write to the connection's socket, so writing the same
 * bytes there ourselves keeps the order of everything on the wire — provided `ws` holds
 * nothing queued of its own (its sender only queues while compressing or reading a Blob)
 * and no extension rewrites frames. When any of that cannot be confirmed, the caller uses
 * `ws.send`. `test/watch/text-frame.test.ts` fails loudly if a `ws` upgrade changes the
 * shape relied on here.
 */

/** The private fields read, as ws 8 names them. */
interface WsShape {
  _socket?: unknown;
  _sender?: { _state?: unknown; _queue?: unknown };
  _extensions?: unknown;
}

/** Writes complete frames straight to a connection's socket when that is safe now. */
export interface DirectWriter {
  /** Writes `frame` and returns true, or returns false (nothing written): use `ws.send`. */
  write(frame: Buffer): boolean;
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
 * A direct writer for an open server-side connection, decided once when it is accepted:
 * undefined when ws's internals are not as expected or an extension (compression) was
 * negotiated. Each write still checks that ws has nothing of its own in flight.
 */
export function directWriterFor(ws: WebSocket): DirectWriter | undefined {
  const shape = ws as unknown as WsShape;
  const sender = shape._sender;
  const socket = shape._socket;
  const extensions = shape._extensions;
  if (!sender || !Array.isArray(sender._queue) || sender._state === undefined) return undefined;
  if (typeof extensions !== 'object' || extensions === null) return undefined;
  if (Object.keys(extensions).length > 0) return undefined;
  if (!isSocket(socket)) return undefined;
  const queue = sender._queue as unknown[];
  return {
    write(frame) {
      if (sender._state !== SENDER_IDLE || queue.length > 0 || !socket.writable) return false;
      socket.write(frame);
      return true;
    },
  };
}
