import type { Logger } from '../logger.js';
import { isValidReplicaId, sendableHeads } from './bus-message.js';
import { parseBusUrl } from './bus-url.js';
import { RedisBus, type BusState } from './redis-bus.js';

export type { BusState } from './redis-bus.js';

export interface BusOptions {
  /** `redis://host:port[/db]` or `rediss://…`; undefined: no bus, a single replica. */
  url: string | undefined;
  /** Names this replica on the bus and in `/v1/status` (HOTCONF_REPLICA_ID). */
  replicaId: string;
  logger: Logger;
  /** Another replica heard of a change (or the bus came back after an outage): fetch now. */
  onRemoteChange(refs: string[]): void;
  /** Milliseconds between heads announcements; a replica silent for 3× this leaves the list. Default 5000. */
  headsIntervalMs?: number;
  /** Label whose commit must agree for `converged`. Default `HEAD` (the remote's default branch). */
  convergeLabel?: string;
  /** Longest wait between reconnection attempts to Redis, ms. Default 3000. */
  maxRetryDelayMs?: number;
  /** Pub/sub channel. Default `hotconf:v1:<db>:changes`, from the URL's database number. */
  channel?: string;
  /** Other replicas listed at most; newcomers past it wait until a listed one expires. Default 256. */
  maxReplicas?: number;
}

/** Keeps replicas in step (DESIGN §8). */
export interface Bus {
  /** This replica heard of a change (webhook, refresh): tell the others. Never throws, never waits. */
  announceChange(refs: string[]): void;
  /** This replica reached these label heads: tell the others, for `/v1/status`. */
  announceHeads(labels: ReadonlyMap<string, string>): void;
  /**
   * Bus and fleet state for `/v1/status`: `bus` {url (password hidden), channel, state,
   * since, lastError, sent, received, ignored, dropped, lastRemoteChange}, `replicas`
   * [{id, self, head, heads, seenAt}] and `converged`.
   */
  status(): Record<string, unknown>;
  /** `up`, `down` (reconnecting) or `off` (no bus configured); for metrics. */
  state(): BusState;
  /** Disconnects; safe to call twice. */
  close(): Promise<void>;
}

const DEFAULTS = { headsIntervalMs: 5000, convergeLabel: 'HEAD', maxRetryDelayMs: 3000 };

/** The bus of a lone replica: nothing to tell, always converged with itself. */
function offBus(replicaId: string): Bus {
  let heads: Record<string, string> = {};
  return {
    announceChange: () => undefined,
    announceHeads: (labels) => {
      heads = sendableHeads(labels);
    },
    status: () => ({
      bus: { url: null, state: 'off', lastError: null },
      replicas: [
        {
          id: replicaId,
          self: true,
          head: heads.HEAD ?? null,
          heads,
          seenAt: new Date().toISOString(),
        },
      ],
      converged: true,
    }),
    state: () => 'off',
    close: async () => undefined,
  };
}

/**
 * Builds the bus. Returns at once: connecting to Redis happens in the background and
 * never delays startup or serving.
 * @throws TypeError when `url` or `replicaId` is unusable (the message names the setting).
 */
export async function createBus(options: BusOptions): Promise<Bus> {
  if (options.url === undefined || options.url === '') return offBus(options.replicaId);
  const address = parseBusUrl(options.url);
  if (!isValidReplicaId(options.replicaId)) {
    throw new TypeError(
      'HOTCONF_REPLICA_ID must be 1 to 128 letters, digits, ".", "_", ":", "@" or "-", starting with a letter or digit',
    );
  }
  const bus = new RedisBus({
    address: options.channel ? { ...address, channel: options.channel } : address,
    replicaId: options.replicaId,
    logger: options.logger,
    onRemoteChange: options.onRemoteChange,
    headsIntervalMs: options.headsIntervalMs ?? DEFAULTS.headsIntervalMs,
    convergeLabel: options.convergeLabel ?? DEFAULTS.convergeLabel,
    maxRetryDelayMs: options.maxRetryDelayMs ?? DEFAULTS.maxRetryDelayMs,
    maxReplicas: options.maxReplicas,
  });
  bus.start();
  return bus;
}
