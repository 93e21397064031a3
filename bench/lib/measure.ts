import { readFile } from 'node:fs/promises';
import net from 'node:net';

/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable across the
 * processes of one run (the driver, the server, the client processes).
 */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The q-quantile (0..1) of `values`, nearest-rank; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** A process's resident set size in bytes, from /proc/<pid>/status (VmRSS). */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

/** Bytes a process has written through write(2) and friends (sockets included). */
export async function writtenBy(pid: number): Promise<number> {
  const io = await readFile(`/proc/${pid}/io`, 'utf8');
  return Number(/^wchar:\s+(\d+)/m.exec(io)?.[1] ?? NaN);
}

/** A free TCP port on 127.0.0.1 (the server is told it; the tiny race is acceptable here). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** RSS settles a little after a burst of connections: sample until two reads agree within 1 %. */
export async function settledRss(pid: number, maxWaitMs = 5000): Promise<number> {
  let last = await rssOf(pid);
  const until = Date.now() + maxWaitMs;
  while (Date.now() < until) {
    await sleep(500);
    const now = await rssOf(pid);
    if (Math.abs(now - last) <= last * 0.01) return now;
    last = now;
  }
  return last;
}
