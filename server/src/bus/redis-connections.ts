import { Redis, type RedisOptions } from 'ioredis';
import type { BusAddress } from './bus-url.js';

/** Reconnect forever, backing off with jitter so a fleet does not stampede a restarted Redis. */
function retryStrategy(maxDelayMs: number) {
  return (attempt: number): number => {
    const base = Math.min(maxDelayMs, 100 * 2 ** Math.min(attempt, 10));
    return Math.round(base / 2 + Math.random() * (base / 2));
  };
}

/**
 * The bus's two Redis connections, not yet connected (`lazyConnect`): startup never
 * waits on Redis. Both retry forever. The publisher has no offline queue, so a publish
 * while Redis is away fails at once instead of piling up; the subscriber does not
 * resubscribe by itself, because the bus subscribes on every `ready`.
 */
export function openConnections(
  address: BusAddress,
  replicaId: string,
  maxRetryDelayMs: number,
): { pub: Redis; sub: Redis } {
  const common: RedisOptions = {
    lazyConnect: true,
    retryStrategy: retryStrategy(maxRetryDelayMs),
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    keepAlive: 10_000,
    // A dead peer never answers the FIN of a graceful close: don't wait long for it.
    disconnectTimeout: 1000,
  };
  return {
    pub: new Redis(address.url, {
      ...common,
      enableOfflineQueue: false,
      // A publish to a Redis that went silent must not hang on for ever.
      commandTimeout: 2000,
      connectionName: `hotconf-pub-${replicaId}`,
    }),
    sub: new Redis(address.url, {
      ...common,
      autoResubscribe: false,
      connectionName: `hotconf-sub-${replicaId}`,
    }),
  };
}
