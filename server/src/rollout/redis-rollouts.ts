import { Redis } from 'ioredis';
import { parseBusUrl } from '../bus/bus-url.js';
import type { RolloutLease } from './rollout-lease.js';
import type { RolloutState } from './rollout-progress.js';
import { toMap, type RolloutStore } from './rollout-store.js';

/** How long a driver's lease lasts without renewal: a dead driver is replaced after this. */
const LEASE_MS = 2000;

function connect(url: string, name: string): { redis: Redis; prefix: string } {
  const address = parseBusUrl(url);
  const redis = new Redis(address.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1000,
    connectTimeout: 2000,
    retryStrategy: (n) => Math.min(3000, 100 * 2 ** Math.min(n, 5)),
    connectionName: name,
  });
  redis.on('error', () => undefined);
  return { redis, prefix: `hotconf:v1:${address.db}:rollouts:` };
}

/**
 * Rollout states in Redis (one JSON value), so every replica serves the same cohort and a
 * restarted one carries on where the fleet was. While Redis is down the last states read
 * stay in use and nothing advances.
 */
export class RedisRolloutStore implements RolloutStore {
  readonly shared = true;
  private readonly redis: Redis;
  private readonly key: string;
  private last = new Map<string, RolloutState>();

  constructor(url: string, replicaId: string) {
    const { redis, prefix } = connect(url, `hotconf-rollouts-${replicaId}`);
    this.redis = redis;
    this.key = `${prefix}states`;
  }

  async load(): Promise<Map<string, RolloutState>> {
    try {
      const json = await this.redis.get(this.key);
      this.last = json === null ? new Map() : toMap(JSON.parse(json) as unknown);
    } catch {
      // Unreachable: keep serving the cohorts last read.
    }
    return new Map(this.last);
  }

  async save(states: ReadonlyMap<string, RolloutState>): Promise<void> {
    this.last = new Map(states);
    await this.redis
      .set(this.key, JSON.stringify({ rollouts: Object.fromEntries(states) }))
      .catch(() => undefined);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/**
 * A driver lease in Redis: `SET NX PX`, renewed by its holder on every tick, so exactly one
 * replica moves steps and another takes over within {@link LEASE_MS} of its death.
 */
export function redisLease(url: string, replicaId: string): RolloutLease {
  const { redis, prefix } = connect(url, `hotconf-rollout-lease-${replicaId}`);
  const key = `${prefix}driver`;
  let holder: string | undefined;
  return {
    async hold() {
      try {
        const won = await redis.set(key, replicaId, 'PX', LEASE_MS, 'NX');
        if (won === 'OK') {
          holder = replicaId;
          return true;
        }
        holder = (await redis.get(key)) ?? undefined;
        if (holder !== replicaId) return false;
        await redis.pexpire(key, LEASE_MS);
        return true;
      } catch {
        return false;
      }
    },
    holder: () => holder,
    async close() {
      // Let another replica take over at once rather than after the lease runs out.
      if (holder === replicaId) {
        const current = await redis.get(key).catch(() => null);
        if (current === replicaId) await redis.del(key).catch(() => undefined);
      }
      redis.disconnect();
    },
  };
}
