import { LRUCache } from 'lru-cache';
import type { DocumentRecord } from './document-record.js';

export interface OnDemandOptions {
  /** Bytes the unwatched on-demand documents may hold together. */
  maxBytes: number;
  /** At most this many unwatched on-demand documents, whatever their size. */
  maxDocuments: number;
  /** Called for a document pushed out: the publisher forgets it. */
  evicted(record: DocumentRecord): void;
}

/**
 * Documents made because someone asked for them (a new profile list, a tag, a commit id)
 * rather than found in the repository: a bounded LRU by bytes, so no stream of new names
 * grows memory without bound. A watched document is never evicted: it leaves the LRU
 * while it has subscribers and comes back when the last one goes.
 */
export class OnDemandDocuments {
  private readonly idle: LRUCache<string, DocumentRecord>;
  private evicting = true;

  constructor(private readonly options: OnDemandOptions) {
    this.idle = new LRUCache<string, DocumentRecord>({
      max: options.maxDocuments,
      maxSize: options.maxBytes,
      sizeCalculation: (record) => Math.max(1, record.bytes()),
      dispose: (record, _key, reason) => {
        if (this.evicting && (reason === 'evict' || reason === 'set')) options.evicted(record);
      },
    });
  }

  /** A new on-demand document; the oldest idle ones go when the budget is exceeded. */
  add(record: DocumentRecord): void {
    this.store(record);
  }

  /** Marks a document as read (most recently used). */
  touch(record: DocumentRecord): void {
    this.idle.get(record.key);
  }

  /** The document got its first subscriber: out of reach of eviction. */
  pin(record: DocumentRecord): void {
    this.quietly(() => this.idle.delete(record.key));
  }

  /** The document lost its last subscriber: evictable again. */
  unpin(record: DocumentRecord): void {
    this.store(record);
  }

  /** The document is gone for another reason (its service disappeared). */
  forget(record: DocumentRecord): void {
    this.quietly(() => this.idle.delete(record.key));
  }

  /** Bytes held by idle on-demand documents, for tests and metrics. */
  get bytes(): number {
    return this.idle.calculatedSize;
  }

  private store(record: DocumentRecord): void {
    this.idle.set(record.key, record);
    // Bigger than the whole budget: the cache refuses it, so it goes at once.
    if (this.idle.get(record.key) !== record) this.options.evicted(record);
  }

  private quietly(action: () => void): void {
    this.evicting = false;
    try {
      action();
    } finally {
      this.evicting = true;
    }
  }
}
