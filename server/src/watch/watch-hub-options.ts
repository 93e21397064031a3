import type { Access } from '../access/access.js';
import type { FleetObserver } from '../fleet/fleet-observer.js';
import type { Logger } from '../logger.js';
import type { DocumentSource } from '../publish/publisher.js';
import type { CohortChooser } from './cohort-routing.js';

/** What the hub reports to metrics. */
export interface WatchHubMetrics {
  pushed(count: number, seenAt: number): void;
}

/** Something that says when the token file changed, so open sockets are checked again. */
export interface TokenChanges {
  on(event: 'change', listener: () => void): unknown;
}

/** What a `WatchHub` is given; the optional fields have the defaults listed. */
export interface WatchHubOptions {
  /** Documents, and keeping them while watched (the publisher). */
  publisher: DocumentSource;
  access: Access;
  logger: Logger;
  /** Told of every push. */
  metrics?: WatchHubMetrics;
  /** When it says `change`, every connection's token is checked again. */
  tokenChanges?: TokenChanges;
  /** Ms between pings; a peer silent for two is dropped. Default 30 000. */
  pingIntervalMs?: number;
  /** Subscriptions one connection may hold. Default 100. */
  maxSubscriptions?: number;
  /** Buffered bytes past which a connection only gets the newest document. Default 4 MiB. */
  bufferLimit?: number;
  /** A connection still over the limit after this long is closed. Default 30 000 ms. */
  stuckTimeoutMs?: number;
  /** Malformed messages tolerated before a peer is closed with 1008. Default 10. */
  maxFaults?: number;
  /** Hears `hello`/`applied`/`failed` and closes for the fleet view (DESIGN §10). */
  fleet?: FleetObserver;
  /** Which subscribers a rollout gives its canary document (DESIGN §11); none: all get base. */
  cohorts?: CohortChooser;
}
