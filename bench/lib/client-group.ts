import { Child } from './ipc.js';

/** What the client children saw of the frames pushed since their last `arm`. */
export interface Receipts {
  n: number;
  first: number;
  last: number;
  bytes: number;
  types: Record<string, number>;
  /** One frame as received (base64), to replay through a bare baseline. */
  sample: string | undefined;
}

/** A child's own answer: the fleet clients count receipts only. */
type ChildReceipts = Pick<Receipts, 'n' | 'first' | 'last'> & Partial<Receipts>;

/**
 * Receiving clients spread over a few processes of their own. One process reading ten
 * thousand sockets is slower than a server writing them, and then the receiving side is
 * what gets measured (MEASURING.md); real subscribers are spread over many hosts.
 */
export class ClientGroup {
  private constructor(readonly children: Child[]) {}

  /** Forks `processes` copies of bench/children/<name>.ts. */
  static async fork(name: string, processes: number): Promise<ClientGroup> {
    const children: Child[] = [];
    for (let i = 0; i < processes; i++)
      children.push(
        await Child.fork(
          new URL(`../children/${name}.js`, import.meta.url),
          [],
          ['--max-old-space-size=4096'],
        ),
      );
    return new ClientGroup(children);
  }

  /** How many of `n` clients child `i` holds, and the index of its first. */
  share(n: number, i: number): { count: number; offset: number } {
    const each = Math.ceil(n / this.children.length);
    return { count: Math.max(0, Math.min(each, n - i * each)), offset: i * each };
  }

  /** Sends `cmd` to every child, each with its own payload. */
  all<T>(cmd: string, payload: (i: number) => unknown = () => ({})): Promise<T[]> {
    return Promise.all(this.children.map((c, i) => c.request<T>(cmd, payload(i))));
  }

  /** Waits until the children together saw `n` pushed frames (each its share), merged. */
  async receipts(n: number, timeoutMs: number): Promise<Receipts> {
    const all = await this.all<ChildReceipts>('wait', (i) => ({
      count: this.share(n, i).count,
      timeoutMs,
    }));
    return {
      n: all.reduce((sum, r) => sum + r.n, 0),
      first: Math.min(...all.map((r) => r.first)),
      last: Math.max(...all.map((r) => r.last)),
      bytes: all.reduce((sum, r) => sum + (r.bytes ?? 0), 0),
      types: all.reduce<Record<string, number>>((sum, r) => {
        for (const [type, count] of Object.entries(r.types ?? {}))
          sum[type] = (sum[type] ?? 0) + count;
        return sum;
      }, {}),
      sample: all.find((r) => r.sample !== undefined)?.sample,
    };
  }

  async stop(): Promise<void> {
    for (const c of this.children) await c.stop();
  }
}
