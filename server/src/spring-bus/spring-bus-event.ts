import { randomUUID } from 'node:crypto';
import { isObject } from '../config/merge.js';

/**
 * Spring Cloud Bus on the wire, as the Spring Cloud Stream Rabbit binder and Spring Cloud
 * Bus's Jackson converter have it (see docs/spring.md for the sources read).
 */
export const SPRING_BUS = {
  /** The binder's destination: a durable topic exchange of this name. */
  exchange: 'springCloudBus',
  /** The binder publishes with the destination name as routing key; consumers bind `#`. */
  routingKey: 'springCloudBus',
  bindingKey: '#',
  /** Anonymous consumer queues are `<destination>.anonymous.<base64url uuid>`. */
  anonymousPrefix: 'springCloudBus.anonymous.',
  contentType: 'application/json',
  /** Jackson type id (`@JsonTypeInfo(use = NAME)`): the simple class name. */
  refreshType: 'RefreshRemoteApplicationEvent',
  ackType: 'AckRemoteApplicationEvent',
  /** What an ack's `event` field names: the fully qualified class of the event acked. */
  refreshClass: 'org.springframework.cloud.bus.event.RefreshRemoteApplicationEvent',
} as const;

/** Larger messages on the exchange are not parsed (Spring's own events are a few hundred bytes). */
export const MAX_BUS_MESSAGE_BYTES = 64 * 1024;

/** A `RefreshRemoteApplicationEvent` exactly as Jackson writes and reads it. */
export interface RefreshEvent {
  type: typeof SPRING_BUS.refreshType;
  /** Milliseconds since the epoch (`ApplicationEvent.getTimestamp()`). */
  timestamp: number;
  originService: string;
  /** `orders:**`, or `**` for every application. */
  destinationService: string;
  id: string;
}

/** What a Spring instance says back after it refreshed. */
export interface AckEvent {
  /** The acknowledging instance's bus id, e.g. `orders:8080:3f2a…`. */
  originService: string;
  /** The `id` of the event acknowledged. */
  ackId: string;
  ackDestinationService: string | undefined;
  /** Fully qualified class name of the event acknowledged. */
  event: string | undefined;
  timestamp: number | undefined;
}

/** One message from the exchange, classified; nothing here throws. */
export type BusMessage =
  | { kind: 'refresh'; event: RefreshEvent }
  | { kind: 'ack'; ack: AckEvent }
  | { kind: 'other'; type: string }
  | { kind: 'malformed'; reason: 'oversized' | 'not-json' | 'no-type' | 'incomplete' };

/**
 * Spring's destination rule (`PathDestinationFactory`): a name with at most one `:` that
 * does not end in `:**` means every instance of it, so `orders` becomes `orders:**`.
 */
export function springDestination(destination: string | undefined): string {
  if (destination === undefined || destination === '' || destination === '**') return '**';
  const colons = destination.split(':').length - 1;
  return colons <= 1 && !destination.toLowerCase().endsWith(':**')
    ? `${destination}:**`
    : destination;
}

/** A fresh refresh event from `originService` for `destination` (already in Spring's form). */
export function refreshEvent(originService: string, destination: string): RefreshEvent {
  return {
    type: SPRING_BUS.refreshType,
    timestamp: Date.now(),
    originService,
    destinationService: destination,
    id: randomUUID(),
  };
}

/**
 * This replica's bus id in Spring's `{name}:{index or port}:{instance id}` form, so it
 * never matches an application's destination (`orders:**`) and Spring tools show it sensibly.
 */
export function hotconfBusId(replicaId: string, port: number): string {
  return `hotconf:${port}:${replicaId}`;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 1024 ? value : undefined;
}

/** Reads one message body from the exchange. Oversized, non-JSON and typeless bodies are `malformed`. */
export function parseBusMessage(body: Buffer): BusMessage {
  if (body.length > MAX_BUS_MESSAGE_BYTES) return { kind: 'malformed', reason: 'oversized' };
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { kind: 'malformed', reason: 'not-json' };
  }
  if (!isObject(json)) {
    return { kind: 'malformed', reason: 'not-json' };
  }
  const fields = json as Record<string, unknown>;
  const type = text(fields.type);
  if (!type) return { kind: 'malformed', reason: 'no-type' };
  const originService = text(fields.originService);
  const id = text(fields.id);
  const timestamp = typeof fields.timestamp === 'number' ? fields.timestamp : undefined;
  if (type === SPRING_BUS.ackType) {
    const ackId = text(fields.ackId);
    if (!originService || !ackId) return { kind: 'malformed', reason: 'incomplete' };
    return {
      kind: 'ack',
      ack: {
        originService,
        ackId,
        ackDestinationService: text(fields.ackDestinationService),
        event: text(fields.event),
        timestamp,
      },
    };
  }
  const destinationService = text(fields.destinationService);
  if (type === SPRING_BUS.refreshType && originService && id && destinationService) {
    return {
      kind: 'refresh',
      event: {
        type,
        timestamp: timestamp ?? 0,
        originService,
        destinationService,
        id,
      },
    };
  }
  return { kind: 'other', type: type.slice(0, 100) };
}
