import type { DocumentRecord } from '../publish/publisher.js';
import type { Connection, Subscription } from './connection.js';

/** How the table keeps a watched document alive upstream: the publisher's narrow interface. */
export interface DocumentPins {
  /** Keeps `record` while watched; returns the record to watch (see Publisher#pin). */
  pin(record: DocumentRecord): DocumentRecord;
  unpin(record: DocumentRecord): void;
}

/**
 * Every subscription, by connection and by document, so a change reaches exactly the
 * subscribers of its document and an unsubscribe costs O(1). Each subscription pins its
 * document at the publisher, which then never evicts or forgets it.
 */
export class SubscriptionTable {
  private readonly byDocument = new Map<string, Set<Subscription>>();
  private total = 0;

  constructor(private readonly pins: DocumentPins) {}

  /** Adds `sub` (replacing any subscription of its connection with the same id). */
  add(sub: Subscription): void {
    this.remove(sub.conn, sub.id);
    sub.record = this.pins.pin(sub.record);
    sub.conn.subs.set(sub.id, sub);
    let peers = this.byDocument.get(sub.record.key);
    if (!peers) this.byDocument.set(sub.record.key, (peers = new Set()));
    peers.add(sub);
    this.total++;
  }

  /** Removes subscription `id` of `conn`; returns it, or undefined when there was none. */
  remove(conn: Connection, id: string): Subscription | undefined {
    const sub = conn.subs.get(id);
    if (!sub) return undefined;
    conn.subs.delete(id);
    this.total--;
    this.pins.unpin(sub.record);
    const peers = this.byDocument.get(sub.record.key);
    if (peers) {
      peers.delete(sub);
      if (peers.size === 0) this.byDocument.delete(sub.record.key);
    }
    return sub;
  }

  /** Removes every subscription of a closed connection. */
  removeAll(conn: Connection): void {
    for (const id of [...conn.subs.keys()]) this.remove(conn, id);
  }

  /** Subscribers of the document with this key (none: undefined). */
  peersOf(key: string): ReadonlySet<Subscription> | undefined {
    return this.byDocument.get(key);
  }

  /** Subscriptions held, over all connections. */
  get size(): number {
    return this.total;
  }
}
