import { EventEmitter } from 'node:events';
import { DocumentUnavailableError, ErrorCodes, NotFoundError } from '../errors.js';
import type { LabelMove } from '../git/repository.js';
import type { Snapshot } from '../git/snapshot.js';
import { changedInputs, touches } from './changed-inputs.js';
import { DocumentEvaluator } from './document-evaluator.js';
import { DocumentRecord, documentKey } from './document-record.js';
import type { DocumentSource } from './document-source.js';
import { LabelQueue } from './label-queue.js';
import { OnDemandDocuments } from './on-demand-documents.js';
import type { PublishedDocument } from './published-document.js';
import { ServiceDiscovery } from './service-discovery.js';
import { SharedContent } from './shared-content.js';
import { walkBack } from './walk-back.js';
import { CanaryJudge } from '../rollout/canary-judge.js';
import { createAll } from './create-all.js';
import type { PublisherEvents, PublisherOptions } from './publisher-options.js';

export { DocumentRecord, documentKey, stateOf } from './document-record.js';
export type { DocumentState, Rejection } from './document-record.js';
export type { ChangeEvent } from './document-evaluator.js';
export type { DocumentSource } from './document-source.js';
export type { PublisherEvents, PublisherOptions } from './publisher-options.js';

/**
 * Holds the published document of every (service, profiles, label) and moves them
 * forward as labels move: re-resolve only documents whose inputs changed, validate,
 * publish or keep the last valid one, and emit what changed — in commit order.
 */
export class Publisher extends EventEmitter<PublisherEvents> implements DocumentSource {
  private readonly records = new Map<string, DocumentRecord>();
  private readonly creating = new Map<string, Promise<DocumentRecord>>();
  /** The snapshot each label was last advanced to, to see what the next commit changed. */
  private readonly heads = new Map<string, Snapshot>();
  private readonly discovery = new ServiceDiscovery();
  private readonly queue: LabelQueue;
  private readonly onDemand: OnDemandDocuments;
  private readonly evaluator: DocumentEvaluator;

  constructor(private readonly options: PublisherOptions) {
    super();
    const { repository, resolver, gate, logger } = options;
    const content = new SharedContent({ resolver, gate });
    this.queue = new LabelQueue({
      advance: (label, seenAt) => this.advanceLabel(label, seenAt),
      onSettled: () => this.emit('settled'),
      logger,
    });
    this.onDemand = new OnDemandDocuments({
      maxBytes: options.onDemandBytes ?? 64 << 20,
      maxDocuments: options.onDemandDocuments ?? 10_000,
      evicted: (record) => this.forget(record),
    });
    const limit = options.walkBack ?? 100;
    this.evaluator = new DocumentEvaluator({
      resolver,
      content,
      logger,
      canaries: new CanaryJudge({ resolver, gate, readBlob: (oid) => repository.readBlob(oid) }),
      outcomes: {
        change: (event) => this.emit('change', event),
        rejected: (record, rejection) => this.emit('rejected', record, rejection),
        gone: (record) => this.remove(record),
      },
      walkBack: (record, head) =>
        walkBack(record, head, { repository, resolver, content, logger, limit }),
    });
  }

  /** Evaluates every service and profile found at the head of the default label. */
  async start(): Promise<void> {
    const { repository } = this.options;
    const label = repository.defaultLabel;
    const head = await repository.resolveLabel(label);
    if (!head) throw new Error(`label ${label} has no commit`);
    const snapshot = await repository.snapshot(head);
    this.heads.set(label, snapshot);
    await this.createAll(this.discovery.documents(snapshot), label, snapshot, true);
  }

  /** All records, for status and listings. */
  all(): DocumentRecord[] {
    return [...this.records.values()];
  }

  /** The record for a document if it is already held; never evaluates anything. */
  peek(service: string, profiles: readonly string[], label?: string): DocumentRecord | undefined {
    const record = this.records.get(
      documentKey(service, profiles, label ?? this.options.repository.defaultLabel),
    );
    return record && !record.removed ? record : undefined;
  }

  /** The record for a document, evaluating it on first request. Throws 404 for unknown. */
  async record(
    service: string,
    profiles: readonly string[],
    label?: string,
  ): Promise<DocumentRecord> {
    const effective = label ?? this.options.repository.defaultLabel;
    const key = documentKey(service, profiles, effective);
    const known = this.records.get(key);
    if (known && !known.removed) {
      if (known.origin === 'requested') this.onDemand.touch(known);
      return known;
    }
    let pending = this.creating.get(key);
    if (!pending) {
      pending = this.createOnDemand(service, profiles, effective, known);
      this.creating.set(key, pending);
      pending.finally(() => this.creating.delete(key)).catch(() => undefined);
    }
    return pending;
  }

  pin(record: DocumentRecord): DocumentRecord {
    // Evicted between being handed out and being pinned: take it back, or its successor.
    const held = this.records.get(record.key);
    const live = held ?? record;
    if (!held) this.records.set(record.key, record);
    if (live.addWatcher() === 1 && live.origin === 'requested') this.onDemand.pin(live);
    return live;
  }

  unpin(record: DocumentRecord): void {
    if (record.removeWatcher() > 0) return;
    if (record.removed) this.forget(record);
    else if (record.origin === 'requested') this.onDemand.unpin(record);
  }

  /**
   * Makes sure every service and profile found at `label` that `canRead` allows has a
   * record, so a listing never creates documents its caller may not see. 404 if unknown.
   */
  async trackLabel(label: string, canRead: (service: string) => boolean = () => true) {
    const head = await this.options.repository.headOf(label);
    const snapshot = await this.options.repository.snapshot(head);
    const wanted = this.discovery.documents(snapshot).filter(([service]) => canRead(service));
    await Promise.all(wanted.map(([s, p]) => this.record(s, p, label)));
  }

  /** Services known at `label`, each with the profiles found for it. 404 if unknown. */
  async services(label: string): Promise<Map<string, Set<string>>> {
    const head = await this.options.repository.headOf(label);
    return this.discovery.services(await this.options.repository.snapshot(head));
  }

  /** The published document, or the 404/503 a caller should get. */
  async document(
    service: string,
    profiles: readonly string[],
    label?: string,
  ): Promise<PublishedDocument> {
    const rec = await this.record(service, profiles, label);
    if (!rec.published) {
      throw new DocumentUnavailableError(
        `${service} (${profiles.join(',')}) has no valid version to serve`,
        rec.rejection?.problems ?? rec.lastRejection?.problems ?? [],
      );
    }
    return rec.published;
  }

  /** Labels moved (a commit, a fetch): re-evaluate their documents, in order. */
  labelsMoved(moves: readonly LabelMove[], seenAt = performance.now()): Promise<void> {
    return this.queue.push(
      moves.map((m) => m.label),
      seenAt,
    );
  }

  /**
   * Judges again, at their label's head, the documents that failed on a git object they
   * could not read (`POST /v1/refresh` after an object was restored). Resolves when done.
   */
  retryUnreadable(): Promise<void> {
    const labels = new Set<string>();
    for (const r of this.records.values()) if (r.evaluated?.unreadable) labels.add(r.label);
    return this.queue.push([...labels], performance.now());
  }

  /** Resolves once every queued re-evaluation has finished. */
  settled(): Promise<void> {
    return this.queue.settled();
  }

  private async advanceLabel(label: string, seenAt: number): Promise<void> {
    const { repository } = this.options;
    const head = repository.labelTable().get(label);
    const records = [...this.records.values()].filter((r) => r.label === label);
    if (!head) {
      for (const r of records) this.remove(r);
      this.heads.delete(label);
      return;
    }
    // A branch or tag nobody reads: nothing to publish, nothing to read.
    if (records.length === 0 && label !== repository.defaultLabel) return;
    const snapshot = await repository.snapshot(head);
    const before = this.heads.get(label);
    this.heads.set(label, snapshot);
    const changed = before && changedInputs(before, snapshot);
    const affected: DocumentRecord[] = [];
    for (const r of records) {
      // Untouched since the commit it was last judged at: still as valid (or not) as it was.
      if (
        changed &&
        !r.removed &&
        r.evaluated?.commit.id === before.commit.id &&
        !r.evaluated.unreadable &&
        !touches(
          changed,
          r.service,
          r.inputs,
          this.options.resolver.searchPath.folderTest(r.service, r.profiles, r.label),
        )
      ) {
        this.evaluator.carryForward(r, snapshot);
      } else affected.push(r);
    }
    await Promise.all(affected.map((r) => this.evaluator.evaluate(r, snapshot, seenAt)));
    if (label === repository.defaultLabel && (!changed || changed.added)) {
      const fresh = this.discovery
        .documents(snapshot)
        .filter(([s, p]) => !this.records.has(documentKey(s, p, label)));
      await this.createAll(fresh, label, snapshot, false);
    }
  }

  private createAll(list: [string, string[]][], label: string, snapshot: Snapshot, walk: boolean) {
    return createAll({
      list,
      label,
      snapshot,
      walk,
      evaluator: this.evaluator,
      records: this.records,
    });
  }

  /**
   * A document first asked for now, or an absent one asked for again (`absent`: kept
   * because it is watched; it is brought back rather than replaced, so its subscribers stay).
   */
  private async createOnDemand(
    service: string,
    profiles: readonly string[],
    label: string,
    absent: DocumentRecord | undefined,
  ): Promise<DocumentRecord> {
    const { repository } = this.options;
    const head = await repository.headOf(label);
    const snapshot = await repository.snapshot(head);
    if (!this.options.resolver.isKnown(snapshot, service)) {
      throw new NotFoundError(
        ErrorCodes.SERVICE_NOT_FOUND,
        `service ${service} has no config at label ${label}`,
      );
    }
    const record = absent ?? new DocumentRecord(service, profiles, label, 'requested');
    // No walk back here: that is a start-up rule, and a request must not run git.
    await this.evaluator.evaluate(record, snapshot, performance.now());
    const existing = this.records.get(record.key);
    if (existing && existing !== record && !existing.removed) return existing;
    this.records.set(record.key, record);
    if (record.origin === 'requested' && record.watchers === 0) this.onDemand.add(record);
    // The label may have moved while this evaluated: catch up through the ordered path.
    if (repository.isMovable(label) && repository.labelTable().get(label) !== head)
      void this.labelsMoved([{ label, from: head, to: undefined }]);
    return record;
  }

  /** Drops a record no subscriber watches (evicted, or gone and unwatched). */
  private forget(record: DocumentRecord): void {
    if (record.watchers > 0) return;
    if (this.records.get(record.key) === record) this.records.delete(record.key);
  }

  /** Its service or label is gone: watched records stay (absent) to come back later. */
  private remove(record: DocumentRecord): void {
    if (record.removed) return;
    record.removed = true;
    if (record.origin === 'requested') this.onDemand.forget(record);
    this.forget(record);
    this.options.logger.info(
      {
        service: record.service,
        profiles: record.profiles,
        label: record.label,
        subscribers: record.watchers,
      },
      record.watchers > 0
        ? 'document absent: its service or label has no config now; subscriptions wait for it'
        : 'document removed: its service has no config any more',
    );
    this.emit('removed', record);
  }
}
