import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/** What hotconf said on the Spring bus, kept to match acknowledgements against. */
export interface Announcement {
  /** The event's `id`: what an ack's `ackId` names. */
  id: string;
  /** `orders:**`, or `**`. */
  destination: string;
  /** The commit announced; undefined for a refresh sent by hand (`/actuator/busrefresh`). */
  version: string | undefined;
  /** When it was made (ms since the epoch). */
  at: number;
}

/**
 * Decides which replica announces a change, and shares announcements so any replica can
 * match an ack. With Redis (`HOTCONF_BUS_URL`), the first replica to claim
 * `(destination, commit)` with `SET NX` announces it — every replica sees the same commits,
 * so exactly one speaks per change, with no speaker to elect or hand over. Without Redis
 * (or while it is unreachable) this replica speaks: a duplicate refresh is harmless to
 * Spring, a lost one is not.
 */
export interface AnnouncementClaims {
  /** True when this replica should announce `destination` for `version`. Never rejects. */
  claim(destination: string, version: string, id: string): Promise<boolean>;
  /** Shares an announcement made here, for acks heard by other replicas. Never rejects. */
  remember(announcement: Announcement): void;
  /** An announcement made by any replica, by event id. Never rejects. */
  recall(id: string): Promise<Announcement | undefined>;
  close(): Promise<void>;
}

/** How long claims and announcements are kept: acks come within seconds, fleets look back a day. */
const KEEP_MS = 24 * 60 * 60 * 1000;
/** A Redis that does not answer this fast is treated as away (this replica speaks). */
const COMMAND_TIMEOUT_MS = 500;

/** Claims for a lone replica: it always speaks; nobody else needs its announcements. */
export function localClaims(): AnnouncementClaims {
  return {
    claim: () => Promise.resolve(true),
    remember: () => undefined,
    recall: () => Promise.resolve(undefined),
    close: () => Promise.resolve(),
  };
}

/**
 * Claims in Redis at `redisUrl`. Keys are scoped by `scope` (the broker address without
 * credentials): replicas sharing a Redis and a broker vhost share claims, others do not.
 */
export function redisClaims(options: {
  redisUrl: string;
  scope: string;
  logger: Logger;
}): AnnouncementClaims {
  const scope = createHash('sha256').update(options.scope).digest('hex').slice(0, 16);
  const prefix = `hotconf:v1:spring-bus:${scope}:`;
  const redis = new Redis(options.redisUrl, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    retryStrategy: (attempt: number) => Math.min(3000, 100 * 2 ** Math.min(attempt, 5)),
    connectionName: 'hotconf-spring-bus',
  });
  let warned = false;
  redis.on('error', () => undefined);
  redis.on('ready', () => (warned = false));
  const away = (what: string) => {
    if (!warned) {
      options.logger.warn(`Redis unreachable: ${what}`);
      warned = true;
    }
  };
  return {
    async claim(destination, version, id) {
      try {
        const key = `${prefix}claim:${version}:${destination}`;
        return (await redis.set(key, id, 'PX', KEEP_MS, 'NX')) === 'OK';
      } catch {
        away('this replica announces Spring bus refreshes itself until it is back');
        return true;
      }
    },
    remember(announcement) {
      redis
        .set(
          `${prefix}announcement:${announcement.id}`,
          JSON.stringify(announcement),
          'PX',
          KEEP_MS,
        )
        .catch(() => away('Spring bus announcements are not shared with other replicas'));
    },
    async recall(id) {
      try {
        const raw = await redis.get(`${prefix}announcement:${id}`);
        if (raw === null) return undefined;
        const parsed = JSON.parse(raw) as Partial<Announcement>;
        if (typeof parsed.id !== 'string' || typeof parsed.destination !== 'string')
          return undefined;
        return {
          id: parsed.id,
          destination: parsed.destination,
          version: typeof parsed.version === 'string' ? parsed.version : undefined,
          at: typeof parsed.at === 'number' ? parsed.at : 0,
        };
      } catch {
        return undefined;
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}
