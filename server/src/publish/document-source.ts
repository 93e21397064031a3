import type { ChangeEvent } from './document-evaluator.js';
import type { DocumentRecord } from './document-record.js';

/** What the WebSocket hub may ask of the publisher: documents, and keeping them while watched. */
export interface DocumentSource {
  record(service: string, profiles: readonly string[], label?: string): Promise<DocumentRecord>;
  /**
   * A subscriber watches `record`: it is neither evicted nor forgotten while pinned.
   * @returns the record to watch: `record`, or the one now held for its key if `record`
   * was evicted and made again meanwhile.
   */
  pin(record: DocumentRecord): DocumentRecord;
  /** A subscriber stopped watching `record`. */
  unpin(record: DocumentRecord): void;
  on(event: 'change', listener: (event: ChangeEvent) => void): unknown;
}
