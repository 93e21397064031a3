import type { Problem } from '../errors.js';
import type { CommitInfo } from '../git/snapshot.js';
import { inputsOf } from './changed-inputs.js';
import { withVersion, type PublishedDocument } from './published-document.js';

/** A document's state in one word (`/v1/services`). */
export type DocumentState =
  'ok' | 'unvalidated' | 'rejected' | 'degraded' | 'unavailable' | 'removed';

/** Why a commit was not published for a document. */
export interface Rejection {
  commit: CommitInfo;
  problems: Problem[];
}

/** The commit a document was last judged at, and what its inputs were there. */
export interface Evaluation {
  commit: CommitInfo;
  /** Blob ids of the files and schema used: equal fingerprints, equal verdicts. */
  fingerprint: string;
  valid: boolean;
}

export function documentKey(service: string, profiles: readonly string[], label: string): string {
  return `${service}/${profiles.join(',')}@${label}`;
}

/** Everything the server knows about one (service, profiles, label). */
export class DocumentRecord {
  readonly key: string;
  readonly profiles: readonly string[];
  /** File names the document is merged from, when they exist (see changed-inputs.ts). */
  readonly inputs: readonly string[];
  /** Served from an older commit because the head was invalid at start-up. */
  degraded = false;
  /** The head's rejection while it stands; cleared by the next valid commit. */
  rejection: Rejection | undefined;
  /** The last rejection ever seen, kept for `/v1/status`. */
  lastRejection: Rejection | undefined;
  /** Where the document was last judged. */
  evaluated: Evaluation | undefined;
  removed = false;
  /** WebSocket subscriptions to it (kept by the hub): such a document is never evicted. */
  watchers = 0;
  private current: PublishedDocument | undefined;

  constructor(
    readonly service: string,
    profiles: readonly string[],
    readonly label: string,
  ) {
    this.profiles = [...profiles];
    this.key = documentKey(service, profiles, label);
    this.inputs = inputsOf(service, profiles);
  }

  /**
   * What is served; undefined when no valid version exists. A commit that did not touch
   * the document only moves `evaluated` forward; the version it implies is taken on the
   * first read after, so a commit costs nothing for the thousands of documents it missed.
   */
  get published(): PublishedDocument | undefined {
    const doc = this.current;
    const at = this.evaluated;
    if (doc && at?.valid && !this.degraded && doc.version !== at.commit.id) {
      this.current = withVersion(doc, at.commit);
    }
    return this.current;
  }

  set published(doc: PublishedDocument | undefined) {
    this.current = doc;
  }
}

/** A record's state in one word. */
export function stateOf(record: DocumentRecord): DocumentState {
  if (record.removed) return 'removed';
  const doc = record.published;
  if (!doc) return 'unavailable';
  if (record.degraded) return 'degraded';
  if (record.rejection) return 'rejected';
  return doc.validated ? 'ok' : 'unvalidated';
}
