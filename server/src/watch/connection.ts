import type { WebSocket } from 'ws';
import type { Principal } from '../access/access.js';
import type { FleetPeer } from '../fleet/fleet-observer.js';
import type { DocumentRecord } from '../publish/publisher.js';
import type { PublishedDocument } from '../publish/published-document.js';
import { directWriterFor, type DirectWriter } from './ws-internals.js';

/** One subscription of one connection to one document. */
export interface Subscription {
  id: string;
  conn: Connection;
  record: DocumentRecord;
  /** The last document this subscriber was sent (or told it holds). */
  sent: PublishedDocument | undefined;
  /** Newest document not yet sent because the connection is congested. */
  pending: PublishedDocument | undefined;
  /** The client applies merge patches. */
  patch: boolean;
}

/** One `/v1/watch` WebSocket and what it holds. */
export interface Connection {
  ws: WebSocket;
  /** Writes prebuilt frames straight to the socket; undefined: always `ws.send`. */
  direct: DirectWriter | undefined;
  principal: Principal;
  authorization: string | undefined;
  subs: Map<string, Subscription>;
  /** Ids whose subscribe is being looked up: they count against the limit already. */
  subscribing: Set<string>;
  faults: number;
  lastSeen: number;
  /** Since when it has been over the buffer limit; undefined when it drains normally. */
  congestedSince: number | undefined;
  /** The fleet's end of this connection: who it said it is (DESIGN §10). */
  fleet: FleetPeer | undefined;
}

/** A fresh connection record for an accepted socket. */
export function newConnection(
  ws: WebSocket,
  principal: Principal,
  authorization: string | undefined,
): Connection {
  return {
    ws,
    direct: directWriterFor(ws),
    principal,
    authorization,
    subs: new Map(),
    subscribing: new Set(),
    faults: 0,
    lastSeen: Date.now(),
    congestedSince: undefined,
    fleet: undefined,
  };
}
