import { ACK_HOLD_MS } from '@hotconf/client';
import WebSocket from 'ws';
import { serveIpc } from '../lib/ipc.js';
import { wallNow } from '../lib/measure.js';

/** Receipts of pushed frames since the last `arm`. */
interface Receipts {
  n: number;
  first: number;
  last: number;
}

const sockets: WebSocket[] = [];
let receipts: Receipts = { n: 0, first: NaN, last: NaN };
let waiter: { count: number; resolve(): void } | undefined;
/** As the SDK does; HOTCONF_BENCH_ACK_HOLD_MS=0 answers at once, to see what the hold saves. */
const ACK_HOLD = Number(process.env.HOTCONF_BENCH_ACK_HOLD_MS ?? ACK_HOLD_MS);
/** Whether pushed documents are answered with `applied`, as the SDK does. */
let acks = true;

/**
 * Acks waiting out their hold, in order of receipt and so of due time: socket, etag and
 * when it was received, side by side. A real instance arms a timer for its own ack on its
 * own host; this process stands in for thousands on the server's two cores, where a timer
 * and a closure per receipt, made while the fan-out is still arriving, took CPU from the
 * server's loop and showed as a cost of acks even when none was sent (docs/benchmarks.md).
 * So receiving an ack-worthy frame is three pushes, and one timer serves them all.
 */
const heldSockets: WebSocket[] = [];
const heldEtags: string[] = [];
const heldAt: number[] = [];
let heldTimer: NodeJS.Timeout | undefined;

function holdAck(ws: WebSocket, etag: string, receivedAt: number): void {
  heldSockets.push(ws);
  heldEtags.push(etag);
  heldAt.push(receivedAt);
  heldTimer ??= setTimeout(sendDueAcks, ACK_HOLD);
}

function sendDueAcks(): void {
  heldTimer = undefined;
  // A timer may fire up to a millisecond early.
  const cutoff = wallNow() + 1 - ACK_HOLD;
  let n = 0;
  while (n < heldAt.length && heldAt[n]! <= cutoff) {
    const ws = heldSockets[n]!;
    if (ws.readyState === WebSocket.OPEN) ws.send(appliedFrame(heldEtags[n]!));
    n++;
  }
  heldSockets.splice(0, n);
  heldEtags.splice(0, n);
  heldAt.splice(0, n);
  if (heldAt.length > 0) heldTimer = setTimeout(sendDueAcks, Math.max(0, heldAt[0]! - cutoff));
}

function appliedFrame(etag: string): string {
  return `{"type":"applied","id":"s1","etag":"${etag}"}`;
}

/** The etag from the head of a change frame, without parsing the document. */
function etagOf(data: Buffer): string | undefined {
  return /"etag":"([^"]+)"/.exec(data.toString('latin1', 0, 200))?.[1];
}

function open(url: string, id: string, subscribe: string, localAddress: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      localAddress,
    });
    let answered = false;
    ws.on('open', () => {
      ws.send(
        JSON.stringify({
          type: 'hello',
          instanceId: id,
          labels: { bench: 'fleet' },
          pid: process.pid,
          sdk: 'bench/1.0.0',
        }),
      );
      ws.send(subscribe);
    });
    ws.on('message', (data: Buffer) => {
      const head = data.toString('latin1', 0, 24);
      if (head.startsWith('{"type":"welcome"')) return;
      const etag = etagOf(data);
      if (!answered) {
        answered = true;
        sockets.push(ws);
        if (etag) ws.send(appliedFrame(etag));
        resolve();
        return;
      }
      const now = wallNow();
      if (receipts.n === 0) receipts.first = now;
      receipts.n++;
      receipts.last = now;
      if (acks && etag) {
        if (ACK_HOLD > 0) holdAck(ws, etag, now);
        else ws.send(appliedFrame(etag));
      }
      if (waiter && receipts.n >= waiter.count) waiter.resolve();
    });
    ws.on('error', (error) => {
      if (!answered) reject(error);
    });
  });
}

/**
 * SDK-like fleet clients for `bench/scenarios/fleet.ts`: each says `hello` with its own
 * id, subscribes, and answers every pushed document with `applied` (when acks are on),
 * held {@link ACK_HOLD_MS} as the SDK holds it, reading only the head of each frame.
 */
serveIpc(
  {
    async connect(p: {
      url: string;
      count: number;
      offset: number;
      subscribe: Record<string, unknown>;
    }) {
      const started = wallNow();
      const frame = JSON.stringify(p.subscribe);
      let next = 0;
      const errors: string[] = [];
      const worker = async () => {
        while (next < p.count) {
          const i = next++;
          try {
            await open(p.url, `bench-${p.offset + i}`, frame, `127.0.0.${2 + (i % 16)}`);
          } catch (error) {
            errors.push((error as Error).message);
          }
        }
      };
      await Promise.all(Array.from({ length: 100 }, worker));
      return {
        connections: sockets.length,
        ms: wallNow() - started,
        errors: errors.length,
        firstError: errors[0],
      };
    },
    arm(p: { acks: boolean }) {
      receipts = { n: 0, first: NaN, last: NaN };
      waiter = undefined;
      acks = p.acks;
      return {};
    },
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
  },
  { name: 'fleet-clients' },
);
