import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { localClaims, redisClaims, type Announcement } from './announcement-claims.js';
import { refreshDestinations, type PublishedChange } from './refresh-destinations.js';
import { offSpringBus } from './off-spring-bus.js';
import { SpringAckTable } from './spring-ack-table.js';
import { springBusMetrics, type SpringBusCounters } from './spring-bus-metrics.js';
import {
  hotconfBusId,
  parseBusMessage,
  refreshEvent,
  SPRING_BUS,
  springDestination,
  type AckEvent,
  type RefreshEvent,
} from './spring-bus-event.js';
import { SpringBusLink } from './spring-bus-link.js';
import { parseSpringBusUrl } from './spring-bus-url.js';

export type { SpringInstance } from './spring-ack-table.js';
export { SpringAckTable } from './spring-ack-table.js';

/** What `createSpringBus` needs. */
export interface SpringBusOptions {
  /** `HOTCONF_SPRING_BUS_URL`; undefined turns the Spring bus off. */
  url: string | undefined;
  /** `HOTCONF_BUS_URL`: replicas sharing it announce each change once between them. */
  redisUrl: string | undefined;
  replicaId: string;
  /** This replica's HTTP port, read when an event is made (it names the sender). */
  port: () => number;
  logger: Logger;
  /** Where `hotconf_spring_bus_*` metrics are registered. */
  registry: Registry | undefined;
  /** Reconnect back-off bounds. Defaults 200 ms and 5 s. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/** `/v1/status` → `springBus`. */
export interface SpringBusStatus {
  configured: boolean;
  connected: boolean;
  /** The broker, password masked. */
  url?: string;
  lastError?: string;
  /** When the link last came up or went down (ISO). */
  since?: string;
  /** Announcements waiting for the broker (newest per destination). */
  pending: number;
  announced: number;
  lastAnnouncement?: { id: string; destination: string; version: string | null; at: string };
  acks: number;
  ignored: Record<string, number>;
  /** Spring instances that acknowledged an announcement (the 100 most recent). */
  instances: { id: string; destination: string; version: string | null; ackedAt: string }[];
}

/** Spring Cloud Bus as the rest of hotconf sees it. */
export interface SpringBus {
  readonly configured: boolean;
  /** A publisher `change` event: collected until `settled`. Never throws, never waits. */
  changed(change: PublishedChange): void;
  /** A publisher `rejected` event at `commit`: that commit announces no `**`. */
  rejected(commit: string): void;
  /** The publisher settled: announce what the collected changes call for. */
  settled(): void;
  /**
   * Announces a refresh now, as `POST /actuator/busrefresh[/{destination}]` does; the
   * destination takes Spring's form (`orders` → `orders:**`). Returns the announcement.
   */
  refresh(destination?: string): Announcement;
  /** Spring instances and what they acknowledged. */
  readonly acks: SpringAckTable;
  status(): SpringBusStatus;
  close(): Promise<void>;
}

/** Announcements kept here to match acks, newest last. */
const KEEP_ANNOUNCEMENTS = 1000;
/** `/v1/status` lists this many instances, most recent acks. */
const STATUS_INSTANCES = 100;
/** Changes are announced when the publisher settles; this is only a safety net. */
const FLUSH_FALLBACK_MS = 2000;

/**
 * Announces published changes on Spring Cloud Bus and reads acknowledgements back
 * (DESIGN §8). Fire and forget: announcements wait, newest per destination, while the
 * broker is away, and go out when it is back; nothing here delays or fails publishing.
 * @throws TypeError when the URL is unusable (named, password never echoed).
 */
export function createSpringBus(options: SpringBusOptions): SpringBus {
  if (options.url === undefined || options.url === '') return offSpringBus();
  const address = parseSpringBusUrl(options.url);
  const { logger } = options;
  const acks = new SpringAckTable();
  const claims = options.redisUrl
    ? redisClaims({ redisUrl: options.redisUrl, scope: address.redacted, logger })
    : localClaims();
  const counters: SpringBusCounters = { announced: 0, acks: 0, ignored: {} };
  /** Waiting for the broker: destination → the newest announcement for it. */
  const pending = new Map<string, { announcement: Announcement; event: RefreshEvent }>();
  const announced = new Map<string, Announcement>();
  let last: Announcement | undefined;
  let collected: PublishedChange[] = [];
  let rejectedAt = new Set<string>();
  let fallback: NodeJS.Timeout | undefined;
  let claiming: Promise<void> = Promise.resolve();
  let sending = false;
  let closed = false;

  const origin = () => hotconfBusId(options.replicaId, options.port());
  const ignore = (reason: string) => {
    counters.ignored[reason] = (counters.ignored[reason] ?? 0) + 1;
    metrics?.ignored(reason);
  };

  const link = new SpringBusLink({
    address,
    logger,
    minDelayMs: options.minDelayMs,
    maxDelayMs: options.maxDelayMs,
    onUp: () => void send(),
    onMessage: (body) => heard(body),
  });
  const metrics = options.registry
    ? springBusMetrics(options.registry, {
        up: () => link.connected,
        pending: () => pending.size,
      })
    : undefined;

  function queue(destination: string, version: string | undefined, id?: string): Announcement {
    const event = refreshEvent(origin(), destination);
    if (id) event.id = id;
    const announcement: Announcement = { id: event.id, destination, version, at: event.timestamp };
    // A newer change replaces an unsent older one: Spring refetches the newest anyway.
    pending.delete(destination);
    pending.set(destination, { announcement, event });
    void send();
    return announcement;
  }

  async function send(): Promise<void> {
    if (sending || closed) return;
    sending = true;
    try {
      while (link.connected && pending.size > 0) {
        const [destination, item] = pending.entries().next().value as [
          string,
          { announcement: Announcement; event: RefreshEvent },
        ];
        // Known before it is sent: an ack may come back faster than the confirm.
        keep(item.announcement);
        try {
          await link.publish(item.event);
        } catch {
          break; // still pending; the link says when it is back
        }
        if (pending.get(destination) === item) pending.delete(destination);
        counters.announced += 1;
        last = item.announcement;
        metrics?.announced();
        logger.info(
          { destination, version: item.announcement.version, id: item.announcement.id },
          'announced a refresh on the Spring bus',
        );
      }
    } finally {
      sending = false;
    }
    // Something queued while the last publish was in flight.
    if (link.connected && pending.size > 0 && !closed) void send();
  }

  function keep(announcement: Announcement): void {
    if (announced.has(announcement.id)) return;
    announced.set(announcement.id, announcement);
    if (announced.size > KEEP_ANNOUNCEMENTS) {
      const oldest = announced.keys().next().value;
      if (oldest !== undefined) announced.delete(oldest);
    }
    claims.remember(announcement);
  }

  function flush(): void {
    clearTimeout(fallback);
    fallback = undefined;
    if (collected.length === 0) {
      rejectedAt.clear();
      return;
    }
    const batch = refreshDestinations(collected, rejectedAt);
    collected = [];
    rejectedAt = new Set();
    // Claims resolve in order, so a newer commit's announcement replaces an older one's.
    claiming = claiming
      .then(async () => {
        for (const { version, destinations } of batch) {
          for (const destination of destinations) {
            const id = randomUUID();
            if (closed) return;
            if (await claims.claim(destination, version, id)) queue(destination, version, id);
          }
        }
      })
      .catch((error: unknown) => logger.error({ err: error }, 'announcing a change failed'));
  }

  function heard(body: Buffer): void {
    const message = parseBusMessage(body);
    if (message.kind === 'malformed')
      ignore(message.reason === 'oversized' ? 'oversized' : 'malformed');
    else if (message.kind === 'other') ignore('unknown');
    else if (message.kind === 'ack') void acknowledged(message.ack);
    // A refresh (ours, or another config server's) needs nothing from hotconf.
  }

  async function acknowledged(ack: AckEvent): Promise<void> {
    if (ack.event !== undefined && ack.event !== SPRING_BUS.refreshClass) return;
    const announcement = announced.get(ack.ackId) ?? (await claims.recall(ack.ackId));
    if (!announcement) return; // an ack of someone else's event
    counters.acks += 1;
    metrics?.acked();
    try {
      acks.record(ack.originService, announcement);
    } catch (error) {
      logger.error({ err: error }, 'a Spring ack listener failed');
    }
  }

  link.start();
  return {
    configured: true,
    acks,
    changed(change) {
      if (closed) return;
      collected.push(change);
      fallback ??= setTimeout(flush, FLUSH_FALLBACK_MS).unref();
    },
    rejected(commit) {
      if (!closed) rejectedAt.add(commit);
    },
    settled: () => flush(),
    refresh(destination) {
      return queue(springDestination(destination), undefined);
    },
    status() {
      const ts = (ms: number) => new Date(ms).toISOString();
      return {
        configured: true,
        connected: link.connected,
        url: address.redacted,
        ...(link.lastError !== undefined && !link.connected ? { lastError: link.lastError } : {}),
        ...(link.since !== undefined ? { since: ts(link.since) } : {}),
        pending: pending.size,
        announced: counters.announced,
        ...(last
          ? {
              lastAnnouncement: {
                id: last.id,
                destination: last.destination,
                version: last.version ?? null,
                at: ts(last.at),
              },
            }
          : {}),
        acks: counters.acks,
        ignored: { ...counters.ignored },
        instances: acks
          .instances()
          .slice(-STATUS_INSTANCES)
          .map((i) => ({
            id: i.id,
            destination: i.destination,
            version: i.version ?? null,
            ackedAt: ts(i.ackedAt),
          })),
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(fallback);
      await link.close();
      await claims.close();
    },
  };
}
