import type { WebSocket } from 'ws';
import type { DirectWriter } from './ws-internals.js';

/**
 * A server message encoded once as a complete WebSocket frame (RFC 6455 §5.2: FIN, text
 * opcode, unmasked as every server frame is), so sending it to ten thousand peers is ten
 * thousand writes of the same Buffer rather than ten thousand framings.
 */
export interface TextFrame {
  /** The whole frame: header, then payload. */
  readonly frame: Buffer;
  /** The payload alone (a view into `frame`), for `ws.send` when a direct write is not safe. */
  readonly payload: Buffer;
}

/** Frames frames must still go out as text: they are prebuilt Buffers of JSON. */
const TEXT = { binary: false } as const;

/** Encodes `json` as one unfragmented, unmasked text frame. */
export function textFrame(json: string): TextFrame {
  const length = Buffer.byteLength(json);
  const head = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + length);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(json, head, 'utf8');
  return { frame, payload: frame.subarray(head) };
}

/**
 * Sends a prebuilt frame on an open connection: one write of the shared bytes through
 * `direct` when it can (see ws-internals.ts), else through `ws.send` (which queues behind
 * whatever ws holds). Nothing is sent once the connection is closing.
 */
export function sendFrame(
  ws: WebSocket,
  direct: DirectWriter | undefined,
  message: TextFrame,
): void {
  if (ws.readyState !== ws.OPEN) return;
  if (!direct?.write(message.frame)) ws.send(message.payload, TEXT);
}

/** Sends a one-off message (a snapshot, an error) through `ws`. */
export function sendText(ws: WebSocket, message: string | Buffer): void {
  if (ws.readyState === ws.OPEN) ws.send(message, TEXT);
}
