import { documentName } from './instance-view.js';

/** A document as the console's `fleet` event names it. */
export interface FleetDocumentRef {
  service: string;
  profiles: readonly string[];
  label: string;
}

export interface FleetChangeFeedOptions {
  /** The documents instance `id` watches now; undefined once it is gone. */
  documentsOf(id: string): readonly FleetDocumentRef[] | undefined;
  /** Sends one event saying the fleet of `doc` changed. */
  emit(doc: { service: string; profiles: string[]; label: string }): void;
  /** At most one event per document this often, ms. Default 250. */
  intervalMs?: number;
}

/** Documents remembered for spacing; older entries are pruned past this many. */
const MAX_REMEMBERED = 10_000;

/**
 * Turns fleet changes (an instance said hello, applied, failed, went offline) into the
 * console's `fleet` events, coalesced per document: the first change is sent at once, the
 * rest within the interval become one event at its end. So 10,000 acks of one commit make
 * a few events a second, not 10,000, and a page still hears of the last one.
 */
export class FleetChangeFeed {
  private readonly intervalMs: number;
  private readonly lastSent = new Map<string, number>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: FleetChangeFeedOptions) {
    this.intervalMs = options.intervalMs ?? 250;
    if (!(this.intervalMs >= 0)) throw new TypeError('intervalMs must be a number ≥ 0');
  }

  /** Instance `id` changed: its documents' pages should be read again. */
  changed(id: string): void {
    if (this.closed) return;
    for (const doc of this.options.documentsOf(id) ?? []) this.touch(doc);
  }

  /** Stops every pending event; safe to call twice. */
  close(): void {
    this.closed = true;
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  private touch(doc: FleetDocumentRef): void {
    const key = documentName(doc);
    if (this.pending.has(key)) return;
    const wait = (this.lastSent.get(key) ?? -Infinity) + this.intervalMs - Date.now();
    if (wait <= 0) return this.send(key, doc);
    const ref = { service: doc.service, profiles: [...doc.profiles], label: doc.label };
    const timer = setTimeout(() => {
      this.pending.delete(key);
      this.send(key, ref);
    }, wait);
    timer.unref();
    this.pending.set(key, timer);
  }

  private send(key: string, doc: FleetDocumentRef): void {
    const now = Date.now();
    this.lastSent.delete(key);
    this.lastSent.set(key, now);
    if (this.lastSent.size > MAX_REMEMBERED) {
      // Oldest first: those sent longer ago than the interval need no spacing any more.
      for (const [k, at] of this.lastSent) {
        if (now - at < this.intervalMs) break;
        this.lastSent.delete(k);
      }
    }
    this.options.emit({ service: doc.service, profiles: [...doc.profiles], label: doc.label });
  }
}
