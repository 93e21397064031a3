import { changedKeys } from '@hotconf/client';
import type { ConfigResolver } from '../config/config-resolver.js';
import type { Snapshot } from '../git/snapshot.js';
import type { Logger } from '../logger.js';
import type { CanaryJudge, CanaryJudgement } from '../rollout/canary-judge.js';
import type { CanaryVersion, DocumentRecord, Rejection } from './document-record.js';
import { makeDocument, withVersion, type PublishedDocument } from './published-document.js';
import type { SharedContent } from './shared-content.js';

/** Emitted as `change` when a new version of a document's content is published. */
export interface ChangeEvent {
  record: DocumentRecord;
  document: PublishedDocument;
  previous: PublishedDocument | undefined;
  changedKeys: string[];
  /** When the commit was first seen, for publish-latency metrics. */
  seenAt: number;
}

/** What an evaluation tells the publisher. */
export interface EvaluationOutcomes {
  change(event: ChangeEvent): void;
  rejected(record: DocumentRecord, rejection: Rejection): void;
  /** The document's service has no file or schema at the snapshot. */
  gone(record: DocumentRecord): void;
}

export interface DocumentEvaluatorOptions {
  resolver: Pick<ConfigResolver, 'isKnown' | 'fingerprint'>;
  content: SharedContent;
  logger: Logger;
  outcomes: EvaluationOutcomes;
  /** Judges `{service}-{profile}.canary.yml` files (DESIGN §11); without it none are read. */
  canaries?: CanaryJudge;
  /** Start-up rule: look back for a valid commit (see walk-back.ts). */
  walkBack(record: DocumentRecord, head: Snapshot): Promise<boolean>;
}

/**
 * Brings one document to a snapshot: judge it there, publish a valid result (pushing it
 * when its content changed) or keep the last valid one and record the rejection.
 */
export class DocumentEvaluator {
  constructor(private readonly options: DocumentEvaluatorOptions) {}

  /** Judges `record` at `snapshot`. `walk`: on failure, look back for a valid commit. */
  async evaluate(
    record: DocumentRecord,
    snapshot: Snapshot,
    seenAt: number,
    walk = false,
  ): Promise<void> {
    const { resolver, logger, outcomes } = this.options;
    const commit = snapshot.commit;
    if (!resolver.isKnown(snapshot, record.service)) {
      if (record.published || record.evaluated) outcomes.gone(record);
      return;
    }
    record.removed = false;
    const canaries = this.options.canaries;
    // The canary file is an input too: a new blob is judged again (and starts a new rollout).
    const canaryFile = canaries?.canaryOf(snapshot, record.service, record.profiles);
    const fingerprint =
      resolver.fingerprint(snapshot, record.service, record.profiles, record.label) +
      (canaryFile ? `|canary:${canaryFile.blob}` : '');
    const last = record.evaluated;
    if (last && last.fingerprint === fingerprint && !last.unreadable) {
      // Inputs untouched: still valid at this commit (or still broken).
      this.carryForward(record, snapshot);
      return;
    }
    const outcome = await this.options.content.judge(
      snapshot,
      record.service,
      record.profiles,
      record.label,
    );
    const canary: CanaryJudgement =
      outcome.ok && canaries
        ? await canaries.judge(snapshot, record.service, record.profiles)
        : { kind: 'none' };
    const problems = !outcome.ok
      ? outcome.problems
      : canary.kind === 'rejected'
        ? canary.problems
        : undefined;
    const unreadable = !outcome.ok && outcome.unreadable === true;
    record.evaluated = { commit, fingerprint, valid: problems === undefined, unreadable };
    if (problems !== undefined) {
      // A bad canary refuses the whole commit for this document: base and canary stay.
      const rejection: Rejection = { commit, problems };
      record.rejection = rejection;
      record.lastRejection = rejection;
      logger.warn(
        {
          service: record.service,
          profiles: record.profiles,
          label: record.label,
          commit: commit.id,
          author: commit.author,
          problems: problems.map((p) => p.message),
        },
        'commit rejected: the previous version stays published',
      );
      outcomes.rejected(record, rejection);
      if (walk && !record.published) await this.options.walkBack(record, snapshot);
      return;
    }
    if (!outcome.ok) return;
    record.canary = canary.kind === 'ok' ? canaryVersion(record, canary, commit) : undefined;
    const previous = record.published;
    record.rejection = undefined;
    record.degraded = false;
    record.shared = outcome.shared;
    const doc = makeDocument({
      service: record.service,
      profiles: record.profiles,
      label: record.label,
      version: commit.id,
      ...outcome.content,
      commit,
    });
    if (previous && previous.etag === doc.etag) {
      // Same content; new owners (a schema claimed a file) must still reach every reader check.
      const sameOwners = previous.owners.join() === doc.owners.join();
      record.published = sameOwners ? withVersion(previous, commit) : doc;
      return;
    }
    record.published = doc;
    // Judged before (not a document's first evaluation): subscribers are waiting for this,
    // including those who subscribed while it had no valid version at all.
    if (previous || last) {
      logger.info(
        {
          service: record.service,
          profiles: record.profiles,
          label: record.label,
          commit: commit.id,
          author: commit.author,
          etag: doc.etag,
        },
        'published',
      );
      outcomes.change({
        record,
        document: doc,
        previous,
        changedKeys: changedKeys(previous?.config, doc.config),
        seenAt,
      });
    }
  }

  /**
   * The document's inputs did not change at `snapshot`: it is judged there as before, and
   * a valid one is served with the new commit as its version (a few small objects; the
   * content and its serialisation are shared with the previous version).
   */
  carryForward(record: DocumentRecord, snapshot: Snapshot): void {
    const at = record.evaluated;
    if (!at) return;
    at.commit = snapshot.commit;
    const doc = record.published;
    if (doc && at.valid && !record.degraded && doc.version !== at.commit.id) {
      record.published = withVersion(doc, at.commit);
      const canary = record.canary;
      if (canary) record.canary = { ...canary, document: withVersion(canary.document, at.commit) };
    }
  }
}

/** The canary beside a document: same content as before keeps its object (nothing to push). */
function canaryVersion(
  record: DocumentRecord,
  judged: Extract<CanaryJudgement, { kind: 'ok' }>,
  commit: Snapshot['commit'],
): CanaryVersion {
  const { canary } = judged;
  const previous = record.canary;
  const doc = makeDocument({
    service: record.service,
    profiles: record.profiles,
    label: record.label,
    version: commit.id,
    config: canary.config,
    sources: canary.sources,
    owners: canary.owners,
    validated: canary.validated,
    commit,
    cohort: 'canary',
  });
  const document =
    previous && previous.document.etag === doc.etag ? withVersion(previous.document, commit) : doc;
  return { file: canary.file, canaryId: canary.canaryId, plan: canary.plan, document };
}
