import { Redis } from 'ioredis';
import { parseBusUrl } from '../bus/bus-url.js';
import type { Logger } from '../logger.js';
import type { InstanceView } from './instance-view.js';

/** Where this replica's instances come from, for the store to share. */
export interface FleetSource {
  view(id: string): InstanceView | undefined;
  onlineIds(): string[];
}

/** What other replicas say about the fleet. */
export interface RemoteFleet {
  views: InstanceView[];
  /** True when the other replicas could not be asked (Redis down): only this one's are known. */
  partial: boolean;
}

/** Shares this replica's instances with the others, and reads theirs. */
export interface FleetStore {
  changed(id: string): void;
  removed(id: string): void;
  /** Begins sharing what `source` holds. */
  start(source: FleetSource): void;
  read(): Promise<RemoteFleet>;
  close(): Promise<void>;
}

/** Without a bus each replica knows only its own instances. */
export const LOCAL_STORE: FleetStore = {
  changed: () => undefined,
  removed: () => undefined,
  start: () => undefined,
  read: async () => ({ views: [], partial: false }),
  close: async () => undefined,
};

export interface RedisFleetStoreOptions {
  /** `HOTCONF_BUS_URL`. */
  url: string;
  replicaId: string;
  logger: Logger;
  retentionMs: number;
  /** Ping interval: a replica refreshes its instances' liveness this often; two missed and they are offline. */
  pingIntervalMs: number;
}

const FLUSH_MS = 100;
/** Reads within this many ms share one round trip to Redis. */
const READ_CACHE_MS = 200;
const CHUNK = 1000;

/**
 * Instance state in Redis, so any replica answers for the whole fleet: per instance a
 * key `…fleet:i:{id}` (its view as JSON, expiring after the retention) and a liveness key
 * `…fleet:live:{id}` (expiring after two ping intervals, refreshed by the owning
 * replica's heartbeat), plus a sorted set of ids by last-seen time to list them. The
 * prefix `hotconf:v1:{db}:fleet:` follows the bus channel's naming. A replica that dies
 * stops refreshing, so its instances turn offline everywhere by themselves.
 */
export class RedisFleetStore implements FleetStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly dirty = new Set<string>();
  private source: FleetSource | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private beatTimer: NodeJS.Timeout | undefined;
  private cached: { at: number; value: Promise<RemoteFleet> } | undefined;
  private closed = false;

  constructor(private readonly options: RedisFleetStoreOptions) {
    const address = parseBusUrl(options.url);
    this.prefix = `hotconf:v1:${address.db}:fleet:`;
    this.redis = new Redis(address.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 1000,
      connectTimeout: 2000,
      retryStrategy: (n) => Math.min(3000, 100 * 2 ** Math.min(n, 5)),
      connectionName: `hotconf-fleet-${options.replicaId}`,
    });
    this.redis.on('error', () => undefined);
    // After an outage, write everything again: keys may have expired meanwhile.
    this.redis.on('ready', () => {
      for (const id of this.source?.onlineIds() ?? []) this.dirty.add(id);
    });
  }

  changed(id: string): void {
    this.dirty.add(id);
  }

  removed(id: string): void {
    this.dirty.add(id);
  }

  start(source: FleetSource): void {
    this.source = source;
    this.redis.connect().catch(() => undefined);
    this.flushTimer = setInterval(() => void this.flush(), FLUSH_MS);
    this.flushTimer.unref();
    this.beatTimer = setInterval(() => void this.beat(), this.options.pingIntervalMs);
    this.beatTimer.unref();
  }

  read(): Promise<RemoteFleet> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < READ_CACHE_MS) return this.cached.value;
    const value = this.readNow();
    this.cached = { at: now, value };
    return value;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.flushTimer);
    clearInterval(this.beatTimer);
    await this.flush().catch(() => undefined);
    this.redis.disconnect();
  }

  private get up(): boolean {
    return this.redis.status === 'ready';
  }

  private liveTtl(): number {
    return 2 * this.options.pingIntervalMs;
  }

  private async flush(): Promise<void> {
    if (!this.up || this.dirty.size === 0 || !this.source) return;
    const ids = [...this.dirty];
    this.dirty.clear();
    const p = this.prefix;
    const batch = this.redis.pipeline();
    for (const id of ids) {
      const view = this.source.view(id);
      if (!view) {
        batch.del(`${p}i:${id}`, `${p}live:${id}`).zrem(`${p}ids`, id);
        continue;
      }
      batch.set(`${p}i:${id}`, JSON.stringify(view), 'PX', this.options.retentionMs);
      batch.zadd(`${p}ids`, Date.parse(view.lastSeen), id);
      if (view.online) batch.set(`${p}live:${id}`, view.replica, 'PX', this.liveTtl());
      else batch.del(`${p}live:${id}`);
    }
    const results = await batch.exec().catch(() => null);
    if (!results || results.some(([error]) => error)) {
      // Redis went away mid-write: write these again once it is back.
      for (const id of ids) this.dirty.add(id);
    }
  }

  /** Keeps this replica's instances alive in Redis, and prunes ids past the retention. */
  private async beat(): Promise<void> {
    if (!this.up || !this.source) return;
    const p = this.prefix;
    const batch = this.redis.pipeline();
    const now = Date.now();
    for (const id of this.source.onlineIds()) {
      batch.set(`${p}live:${id}`, this.options.replicaId, 'PX', this.liveTtl());
      batch.zadd(`${p}ids`, now, id);
    }
    batch.zremrangebyscore(`${p}ids`, '-inf', String(now - this.options.retentionMs));
    await batch.exec().catch(() => undefined);
  }

  private async readNow(): Promise<RemoteFleet> {
    if (!this.up) return { views: [], partial: true };
    try {
      const p = this.prefix;
      const ids = await this.redis.zrange(`${p}ids`, '0', '-1');
      const views: InstanceView[] = [];
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        const [records, live] = await Promise.all([
          this.redis.mget(chunk.map((id) => `${p}i:${id}`)),
          this.redis.mget(chunk.map((id) => `${p}live:${id}`)),
        ]);
        records.forEach((json, n) => {
          const view = json === null ? undefined : parseView(json);
          if (!view) return;
          // Online only while the owning replica keeps saying so.
          views.push(live[n] == null && view.online ? { ...view, online: false } : view);
        });
      }
      return { views, partial: false };
    } catch (error) {
      this.options.logger.debug({ err: error }, 'reading the fleet from Redis failed');
      return { views: [], partial: true };
    }
  }
}

function parseView(json: string): InstanceView | undefined {
  try {
    const value = JSON.parse(json) as InstanceView;
    return typeof value.id === 'string' && Array.isArray(value.documents) ? value : undefined;
  } catch {
    return undefined;
  }
}
