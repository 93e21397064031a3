import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { DocumentRecord, Publisher } from '../publish/publisher.js';
import { fleetMetrics } from './fleet-metrics.js';
import { FleetRegistry } from './fleet-registry.js';
import { LOCAL_STORE, RedisFleetStore, type FleetStore } from './fleet-store.js';
import { FleetView } from './fleet-view.js';

export interface FleetOptions {
  publisher: Pick<Publisher, 'on' | 'all'>;
  logger: Logger;
  replicaId: string;
  /** HOTCONF_FLEET_RETENTION in ms. */
  retentionMs: number;
  /** HOTCONF_PING_INTERVAL in ms. */
  pingIntervalMs: number;
  /** HOTCONF_BUS_URL: with it, instance state is shared through Redis. */
  busUrl: string | undefined;
  metrics: Registry;
  /** Told after an instance changed (hello, report, offline): a rollout looks at once. */
  onChange?: () => void;
}

/** The fleet view's parts as wired: the hub's observer, the reader for routes, and close. */
export interface Fleet {
  registry: FleetRegistry;
  view: FleetView;
  close(): Promise<void>;
}

/** A flap is a reconnect within this long, capped so a dead instance is offline within two pings. */
const FLAP_GRACE_MS = 5000;

/** Builds the registry, its Redis store (with a bus) and metrics, handing each what it needs. */
export function createFleet(options: FleetOptions): Fleet {
  const { publisher } = options;
  // Documents by key, rebuilt at most every 100 ms: the fleet asks once per instance row.
  let table: { at: number; map: Map<string, DocumentRecord> } | undefined;
  const byKey = () => {
    if (!table || Date.now() - table.at > 100) {
      table = { at: Date.now(), map: new Map(publisher.all().map((r) => [r.key, r])) };
    }
    return table.map;
  };
  const published = (key: string) => {
    const doc = byKey().get(key)?.published;
    return doc && { etag: doc.etag, version: doc.version };
  };
  const store: FleetStore = options.busUrl
    ? new RedisFleetStore({
        url: options.busUrl,
        replicaId: options.replicaId,
        logger: options.logger,
        retentionMs: options.retentionMs,
        pingIntervalMs: options.pingIntervalMs,
      })
    : LOCAL_STORE;
  // The gauge reads the registry only at scrape time, after it exists.
  const counters = fleetMetrics(
    options.metrics,
    { eachDocument: (visit) => registry.eachDocument(visit) },
    published,
  );
  const registry = new FleetRegistry({
    publisher,
    logger: options.logger.child({ component: 'fleet' }),
    replicaId: options.replicaId,
    retentionMs: options.retentionMs,
    flapGraceMs: Math.min(FLAP_GRACE_MS, options.pingIntervalMs),
    sink: {
      changed: (id) => {
        store.changed(id);
        options.onChange?.();
      },
      removed: (id) => store.removed(id),
      counted: counters.counted,
    },
  });
  store.start(registry);
  const view = new FleetView({ registry, store, published: (key) => byKey().get(key) });
  return {
    registry,
    view,
    async close() {
      registry.close();
      await store.close();
    },
  };
}
