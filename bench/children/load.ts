import autocannon from 'autocannon';
import { serveIpc } from '../lib/ipc.js';

/** What one autocannon run measured. */
export interface LoadResult {
  url: string;
  connections: number;
  seconds: number;
  /** Mean requests per second over the run. */
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  bytesPerRequest: number;
}

async function fire(url: string, connections: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url, connections, duration: seconds, pipelining: 1 });
}

/**
 * The HTTP load generator, alone in its process: `run` does a short warm-up (JIT, keep-alive
 * sockets) and then the measured run, with autocannon's programmatic API.
 */
serveIpc(
  {
    async run(p: {
      url: string;
      connections: number;
      seconds: number;
      warmupSeconds: number;
    }): Promise<LoadResult> {
      if (p.warmupSeconds > 0) await fire(p.url, p.connections, p.warmupSeconds);
      const r = await fire(p.url, p.connections, p.seconds);
      return {
        url: p.url,
        connections: p.connections,
        seconds: p.seconds,
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
        bytesPerRequest: r.requests.total > 0 ? r.throughput.total / r.requests.total : NaN,
      };
    },
  },
  { name: 'load' },
);
