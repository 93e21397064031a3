import type { Principal } from '../access/access.js';
import type { DocumentRecord } from '../publish/publisher.js';

/** What the watch hub lends the fleet about one WebSocket connection. */
export interface FleetConnection {
  /** The connection's caller now (a token change may replace it). */
  principal(): Principal;
  /** Sends one text frame if the socket is open. */
  send(frame: string): void;
  /** Answers a bad frame with an `error`, counted against the connection like the hub's own. */
  fault(code: string, message: string, id?: string): void;
  /** The document subscription `id` is on now. */
  document(id: string): DocumentRecord | undefined;
  /** Every document the connection subscribes to now. */
  documents(): DocumentRecord[];
}

/** The fleet's end of one connection. */
export interface FleetPeer {
  /** Handles a fleet frame (`hello`, `applied`, `failed`); false for any other frame. */
  receive(data: Buffer): boolean;
  /** The socket closed with `code` (1000 from a client that closed on purpose). */
  closed(code: number): void;
  /** The id the connection's `hello` gave it; undefined for an anonymous connection. */
  instanceId(): string | undefined;
}

/**
 * The narrow interface the watch hub feeds the fleet view through: one call per new
 * connection, then the peer's two methods. The hub knows nothing else of the fleet.
 */
export interface FleetObserver {
  opened(connection: FleetConnection): FleetPeer;
}
