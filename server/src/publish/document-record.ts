import type { Problem } from '../errors.js';
import type { CommitInfo } from '../git/snapshot.js';
import { inputsOf } from './changed-inputs.js';
import type { PublishedDocument } from './published-document.js';
import type { CanaryPlan } from '../rollout/canary-file.js';

/** A document's canary (DESIGN §11): its plan, and the document with the overlay, judged valid. */
export interface CanaryVersion {
  /** Repository-relative canary file name. */
  file: string;
  /** The canary file's blob id: a new one starts a new rollout. */
  canaryId: string;
  plan: CanaryPlan;
  document: PublishedDocument;
}

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
  /** Failed on a git object it could not read: judged again on the next pass, never carried. */
  unreadable?: boolean;
}

/** Where a document came from: found in the repository, or made for a request. */
export type DocumentOrigin = 'found' | 'requested';

export function documentKey(service: string, profiles: readonly string[], label: string): string {
  return `${service}/${profiles.join(',')}@${label}`;
}

/** The services whose files a document of `service` is made of (DESIGN §7); its own until published. */
export function documentOwners(
  service: string,
  record: Pick<DocumentRecord, 'published'> | undefined,
): readonly string[] {
  return record?.published?.owners ?? [service];
}

/** Per-document overhead beyond its content, as counted against the on-demand budget. */
const RECORD_OVERHEAD = 1024;

/** Everything the server knows about one (service, profiles, label). Written by the publisher only. */
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
  /**
   * Its service or label is gone at the head. A watched record stays, absent, so its
   * subscribers get the document again when it comes back (a renamed-back branch, a
   * deleted-then-restored file); an unwatched one is forgotten.
   */
  removed = false;
  /** What is served; undefined when no valid version exists. */
  published: PublishedDocument | undefined;
  /** The canary served to a rollout's cohort, beside `published`; undefined without one. */
  canary: CanaryVersion | undefined;
  /** The published content is the same object as another document's (same sources). */
  shared = false;
  private pins = 0;

  constructor(
    readonly service: string,
    profiles: readonly string[],
    readonly label: string,
    readonly origin: DocumentOrigin,
  ) {
    this.profiles = [...profiles];
    this.key = documentKey(service, profiles, label);
    this.inputs = inputsOf(service, profiles);
  }

  /** WebSocket subscriptions to it: such a document is never evicted nor forgotten. */
  get watchers(): number {
    return this.pins;
  }

  /** Counts a subscription (the publisher's `pin`). @returns the new count. */
  addWatcher(): number {
    return ++this.pins;
  }

  /** Drops a subscription (the publisher's `unpin`). @returns the new count. */
  removeWatcher(): number {
    if (this.pins > 0) this.pins--;
    return this.pins;
  }

  /**
   * Bytes this document is expected to hold: its bodies once built (at least the native
   * and one Spring rendering are assumed), plus its own copy of the config unless shared.
   */
  bytes(): number {
    const doc = this.published;
    if (!doc) return RECORD_OVERHEAD;
    let bodies = 0;
    for (const body of doc.bodies.values()) bodies += body.length;
    const own = this.shared ? 0 : 2 * doc.configJson.length;
    return RECORD_OVERHEAD + own + Math.max(bodies, 2 * doc.configJson.length);
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
