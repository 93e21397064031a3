import { randomBytes } from 'node:crypto';
import net from 'node:net';

/**
 * A WebSocket peer written on a bare TCP socket: it can stop reading (a stalled reader)
 * and never answers pings (a dead peer) — what a well-behaved `ws` client cannot do.
 */
export class RawWebSocket {
  private constructor(readonly socket: net.Socket) {}

  /** Completes the upgrade handshake on `/v1/watch`. */
  static async connect(serverUrl: string): Promise<RawWebSocket> {
    const { hostname, port } = new URL(serverUrl);
    const socket = net.connect(Number(port), hostname);
    await new Promise<void>((resolve, reject) =>
      socket.once('connect', resolve).once('error', reject),
    );
    const key = randomBytes(16).toString('base64');
    socket.write(
      `GET /v1/watch HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await new Promise<void>((resolve, reject) => {
      let head = '';
      const onData = (chunk: Buffer) => {
        head += chunk.toString('latin1');
        if (head.includes('\r\n\r\n')) {
          socket.off('data', onData);
          if (head.startsWith('HTTP/1.1 101')) resolve();
          else reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
        }
      };
      socket.on('data', onData);
    });
    return new RawWebSocket(socket);
  }

  /** Sends one masked text frame, as a client must. */
  sendText(text: string): void {
    const payload = Buffer.from(text);
    const mask = randomBytes(4);
    const len = payload.length;
    const header =
      len < 126
        ? Buffer.from([0x81, 0x80 | len])
        : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff]);
    const masked = Buffer.alloc(len);
    for (let i = 0; i < len; i++) masked[i] = (payload[i] as number) ^ (mask[i % 4] as number);
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  /** Stops reading: the kernel buffers fill and the server's writes back up. */
  stall(): void {
    this.socket.pause();
  }

  /** True once the server closed or reset the connection. */
  get closed(): boolean {
    return this.socket.destroyed || this.socket.readableEnded;
  }

  /** Resolves when the server ends the connection. */
  ended(): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.resume();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}
