import WebSocket from 'ws';
import type { Receipts } from '../lib/client-group.js';
import { serveIpc } from '../lib/ipc.js';
import { wallNow } from '../lib/measure.js';

const sockets: WebSocket[] = [];
let receipts: Receipts = fresh();
let waiter: { count: number; resolve(): void } | undefined;

function fresh(): Receipts {
  return { n: 0, first: NaN, last: NaN, bytes: 0, types: {}, sample: undefined };
}

/** Only the head of a frame is read: `{"type":"change",…` — the clients must stay cheap. */
function typeOf(data: Buffer): string {
  return /"type":"([a-z]+)"/.exec(data.toString('latin1', 0, 48))?.[1] ?? 'unknown';
}

function record(data: Buffer): void {
  const now = wallNow();
  if (receipts.n === 0) {
    receipts.first = now;
    receipts.sample = data.toString('base64');
  }
  receipts.n++;
  receipts.last = now;
  receipts.bytes += data.length;
  const type = typeOf(data);
  receipts.types[type] = (receipts.types[type] ?? 0) + 1;
  if (waiter && receipts.n >= waiter.count) waiter.resolve();
}

/** Opens one connection, subscribes, and resolves with the first frame the server answers. */
function open(url: string, subscribe: string, localAddress: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      localAddress,
    });
    let answered = false;
    ws.on('open', () => ws.send(subscribe));
    ws.on('message', (data: Buffer) => {
      if (answered) return record(data);
      answered = true;
      sockets.push(ws);
      resolve(data);
    });
    ws.on('error', (error) => {
      if (!answered) reject(error);
    });
  });
}

/**
 * Many WebSocket subscribers in one process of their own, so they never share the
 * server's event loop. Each records when pushed frames arrive; the driver arms, commits,
 * and asks for the first and last receipt.
 */
serveIpc(
  {
    async connect(p: {
      url: string;
      count: number;
      subscribe: Record<string, unknown>;
      concurrency?: number;
    }) {
      const started = wallNow();
      const frame = JSON.stringify(p.subscribe);
      let next = 0;
      let firstFrame: Buffer | undefined;
      const errors: string[] = [];
      const worker = async () => {
        while (next < p.count) {
          const i = next++;
          // Spread source addresses over 127.0.0.2-17 so 4-tuples never run short.
          try {
            const reply = await open(p.url, frame, `127.0.0.${2 + (i % 16)}`);
            firstFrame ??= reply;
          } catch (error) {
            errors.push((error as Error).message);
          }
        }
      };
      await Promise.all(Array.from({ length: p.concurrency ?? 100 }, worker));
      return {
        connections: sockets.length,
        ms: wallNow() - started,
        errors: errors.length,
        firstError: errors[0],
        firstFrame: firstFrame?.toString('base64'),
      };
    },
    arm() {
      receipts = fresh();
      waiter = undefined;
      return {};
    },
    /** Resolves once `count` frames arrived since `arm`, or at the timeout with what came. */
    async wait(p: { count: number; timeoutMs: number }): Promise<Receipts> {
      if (receipts.n < p.count) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, p.timeoutMs);
          waiter = {
            count: p.count,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          };
        });
        waiter = undefined;
      }
      return receipts;
    },
    async close() {
      const closing = sockets.splice(0).map(
        (ws) =>
          new Promise<void>((resolve) => {
            ws.once('close', () => resolve());
            ws.terminate();
          }),
      );
      await Promise.all(closing);
      return {};
    },
  },
  { name: 'ws-clients' },
);
