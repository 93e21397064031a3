import type { Logger } from '../logger.js';

export interface BusOptions {
  /** `redis://host:port[/db]`; undefined: no bus, a single replica. */
  url: string | undefined;
  replicaId: string;
  logger: Logger;
  /** Another replica heard of a change: fetch now. */
  onRemoteChange(refs: string[]): void;
}

/** Keeps replicas in step (DESIGN §8). */
export interface Bus {
  /** This replica heard of a change (webhook, refresh): tell the others. */
  announceChange(refs: string[]): void;
  /** This replica reached these label heads: tell the others, for `/v1/status`. */
  announceHeads(labels: ReadonlyMap<string, string>): void;
  /** Bus and fleet state for `/v1/status`. */
  status(): Record<string, unknown>;
  close(): Promise<void>;
}

/** Builds the bus. A no-op until the scale-out issue lands. */
export async function createBus(options: BusOptions): Promise<Bus> {
  void options;
  return { announceChange: () => undefined, announceHeads: () => undefined, status: () => ({}), close: async () => undefined };
}
