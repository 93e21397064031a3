import { changedKeys } from '@hotconf/client';
import { EventEmitter } from 'node:events';
import type { ConfigResolver } from '../config/config-resolver.js';
import { discoverServices } from '../config/config-resolver.js';
import { judgeDocument } from '../schema/judge-document.js';
import { changedInputs, touches } from './changed-inputs.js';
import { DocumentUnavailableError, NotFoundError } from '../errors.js';
import type { LabelMove, Repository } from '../git/repository.js';
import type { Snapshot } from '../git/snapshot.js';
import type { Logger } from '../logger.js';
import type { SchemaGate } from '../schema/schema-gate.js';
import { DocumentRecord, documentKey, type Rejection } from './document-record.js';
import { makeDocument, withVersion, type PublishedDocument } from './published-document.js';

export { DocumentRecord, documentKey, stateOf } from './document-record.js';
export type { DocumentState, Rejection } from './document-record.js';

/** Emitted as `change` when a new version of a document's content is published. */
export interface ChangeEvent {
  record: DocumentRecord;
  document: PublishedDocument;
  previous: PublishedDocument | undefined;
  changedKeys: string[];
  /** When the commit was first seen, for publish-latency metrics. */
  seenAt: number;
}

export interface PublisherOptions {
  repository: Repository;
  resolver: ConfigResolver;
  gate: SchemaGate;
  logger: Logger;
  /** How far back start-up looks for a valid version. Default 100 commits. */
  walkBack?: number;
}

/** Events: `change`, `rejected`, `removed`, and `settled` once a burst of moves is done. */
export interface PublisherEvents {
  change: [ChangeEvent];
  settled: [];
  rejected: [DocumentRecord, Rejection];
  removed: [DocumentRecord];
}

/** At most this many documents created on demand (odd profile lists, tags, commit ids). */
const MAX_ON_DEMAND = 10_000;

/**
 * Holds the published document of every (service, profiles, label) and moves them
 * forward as labels move: re-resolve only documents whose inputs changed, validate,
 * publish or keep the last valid one, and emit what changed — in commit order.
 */
export class Publisher extends EventEmitter<PublisherEvents> {
  private readonly records = new Map<string, DocumentRecord>();
  private readonly creating = new Map<string, Promise<DocumentRecord>>();
  private readonly dirtyLabels = new Map<string, number>();
  /** The snapshot each label was last advanced to, to see what the next commit changed. */
  private readonly heads = new Map<string, Snapshot>();
  private running: Promise<void> | undefined;
  private readonly walkBack: number;
  /** Services found per snapshot: Spring file names are split against them on every request. */
  private readonly discoveries = new WeakMap<Snapshot, Map<string, Set<string>>>();
  /** Keys of documents created by a request rather than found in the repository, oldest first. */
  private readonly onDemand = new Set<string>();

  constructor(private readonly options: PublisherOptions) {
    super();
    this.walkBack = options.walkBack ?? 100;
  }

  /** Evaluates every service and profile found at the head of the default label. */
  async start(): Promise<void> {
    const { repository } = this.options;
    const label = repository.defaultLabel;
    const head = await repository.resolveLabel(label);
    if (!head) throw new Error(`label ${label} has no commit`);
    const snapshot = await repository.snapshot(head);
    this.heads.set(label, snapshot);
    await this.createAll(this.discovered(snapshot), label, head, true);
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
    if (known && !known.removed) return known;
    let pending = this.creating.get(key);
    if (!pending) {
      pending = this.createOnDemand(service, profiles, effective, key);
      this.creating.set(key, pending);
      pending.finally(() => this.creating.delete(key)).catch(() => undefined);
    }
    return pending;
  }

  /** Makes sure every service and profile found at `label` has a record. 404 if unknown. */
  async trackLabel(label: string): Promise<void> {
    const head = await this.options.repository.headOf(label);
    const snapshot = await this.options.repository.snapshot(head);
    await Promise.all(this.discovered(snapshot).map(([s, p]) => this.record(s, p, label)));
  }

  /** Services known at `label`, each with the profiles found for it. 404 if unknown. */
  async services(label: string): Promise<Map<string, Set<string>>> {
    const head = await this.options.repository.headOf(label);
    return this.servicesAt(await this.options.repository.snapshot(head));
  }

  private servicesAt(snapshot: Snapshot): Map<string, Set<string>> {
    let found = this.discoveries.get(snapshot);
    if (!found) this.discoveries.set(snapshot, (found = discoverServices(snapshot)));
    return found;
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
    for (const move of moves) {
      if (!this.dirtyLabels.has(move.label)) this.dirtyLabels.set(move.label, seenAt);
    }
    if (!this.running) {
      this.running = this.drain().finally(() => {
        this.running = undefined;
        this.emit('settled');
      });
    }
    return this.running;
  }

  /** Resolves once every queued re-evaluation has finished. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.dirtyLabels.size > 0) {
      const [label, seenAt] = this.dirtyLabels.entries().next().value as [string, number];
      this.dirtyLabels.delete(label);
      try {
        await this.advanceLabel(label, seenAt);
      } catch (error) {
        this.options.logger.error({ err: error, label }, 'could not evaluate a new commit');
      }
    }
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
        r.evaluated?.commit.id === before.commit.id &&
        !touches(changed, r.service, r.inputs)
      ) {
        this.carryForward(r, snapshot);
      } else affected.push(r);
    }
    await Promise.all(affected.map((r) => this.evaluate(r, snapshot, seenAt)));
    if (label === repository.defaultLabel && (!changed || changed.added)) {
      const fresh = this.discovered(snapshot).filter(
        ([s, p]) =>
          !this.records.get(documentKey(s, p, label)) ||
          this.records.get(documentKey(s, p, label))?.removed,
      );
      await this.createAll(fresh, label, head, false);
    }
  }

  /** The document's inputs did not change at `snapshot`: it is judged there as before. */
  private carryForward(record: DocumentRecord, snapshot: Snapshot): void {
    if (record.evaluated) record.evaluated.commit = snapshot.commit;
  }

  private discovered(snapshot: Snapshot): [string, string[]][] {
    const out: [string, string[]][] = [];
    for (const [service, profiles] of this.servicesAt(snapshot)) {
      out.push([service, ['default']]);
      for (const p of profiles) if (p !== 'default') out.push([service, [p]]);
    }
    return out;
  }

  private async createAll(
    list: [string, string[]][],
    label: string,
    head: string,
    walk: boolean,
  ): Promise<void> {
    const snapshot = await this.options.repository.snapshot(head);
    // Evaluate in parallel so git object reads pipeline through the one cat-file process.
    const batch = 64;
    for (let i = 0; i < list.length; i += batch) {
      await Promise.all(
        list.slice(i, i + batch).map(async ([service, profiles]) => {
          const record = this.newRecord(service, profiles, label);
          await this.evaluate(record, snapshot, performance.now(), walk);
          this.records.set(record.key, record);
        }),
      );
    }
  }

  private async createOnDemand(
    service: string,
    profiles: readonly string[],
    label: string,
    key: string,
  ) {
    const { repository } = this.options;
    const head = await repository.headOf(label);
    const snapshot = await repository.snapshot(head);
    if (!this.options.resolver.isKnown(snapshot, service)) {
      throw new NotFoundError(
        'HC_SERVICE_NOT_FOUND',
        `service ${service} has no config at label ${label}`,
      );
    }
    const record = this.newRecord(service, profiles, label);
    // No walk back here: that is a start-up rule, and a request must not run git.
    await this.evaluate(record, snapshot, performance.now());
    const existing = this.records.get(key);
    if (existing && !existing.removed) return existing;
    if (this.onDemand.size >= MAX_ON_DEMAND) this.evictOnDemand();
    this.records.set(key, record);
    this.onDemand.add(key);
    // The label may have moved while this evaluated: catch up through the ordered path.
    if (repository.isMovable(label) && repository.labelTable().get(label) !== head)
      void this.labelsMoved([{ label, from: head, to: undefined }]);
    return record;
  }

  /** Forgets the oldest document made on demand that no subscriber watches. */
  private evictOnDemand(): void {
    for (const key of this.onDemand) {
      const record = this.records.get(key);
      if (record && record.watchers > 0) continue;
      this.records.delete(key);
      this.onDemand.delete(key);
      return;
    }
  }

  private newRecord(service: string, profiles: readonly string[], label: string): DocumentRecord {
    return new DocumentRecord(service, profiles, label);
  }

  private remove(record: DocumentRecord): void {
    if (record.removed) return;
    record.removed = true;
    this.records.delete(record.key);
    this.options.logger.info(
      { service: record.service, profiles: record.profiles, label: record.label },
      'document removed: its service has no config any more',
    );
    this.emit('removed', record);
  }

  /** Brings one record to `snapshot`. `walk`: on failure, look back for a valid commit. */
  private async evaluate(
    record: DocumentRecord,
    snapshot: Snapshot,
    seenAt: number,
    walk = false,
  ): Promise<void> {
    const { resolver, logger } = this.options;
    const commit = snapshot.commit;
    if (!resolver.isKnown(snapshot, record.service)) {
      if (record.published || record.evaluated) this.remove(record);
      return;
    }
    const fingerprint = resolver.fingerprint(snapshot, record.service, record.profiles);
    const last = record.evaluated;
    if (last && last.fingerprint === fingerprint) {
      // Inputs untouched: still valid at this commit (or still broken).
      last.commit = commit;
      return;
    }
    const outcome = await this.judge(record, snapshot);
    record.evaluated = { commit, fingerprint, valid: outcome.ok };
    if (!outcome.ok) {
      const rejection: Rejection = { commit, problems: outcome.problems };
      record.rejection = rejection;
      record.lastRejection = rejection;
      logger.warn(
        {
          service: record.service,
          profiles: record.profiles,
          label: record.label,
          commit: commit.id,
          author: commit.author,
          problems: outcome.problems.map((p) => p.message),
        },
        'commit rejected: the previous version stays published',
      );
      this.emit('rejected', record, rejection);
      if (walk && !record.published) await this.walkBackFor(record, snapshot);
      return;
    }
    const previous = record.published;
    record.rejection = undefined;
    record.degraded = false;
    const doc = makeDocument({
      service: record.service,
      profiles: record.profiles,
      label: record.label,
      version: commit.id,
      config: outcome.config,
      sources: outcome.sources,
      owners: outcome.owners,
      validated: outcome.validated,
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
      this.emit('change', {
        record,
        document: doc,
        previous,
        changedKeys: changedKeys(previous?.config, doc.config),
        seenAt,
      });
    }
  }

  private judge(record: DocumentRecord, snapshot: Snapshot) {
    const { resolver, gate } = this.options;
    return judgeDocument(resolver, gate, snapshot, record.service, record.profiles);
  }

  /** Start-up rule: serve the newest valid commit among the last N that touched the files. */
  private async walkBackFor(record: DocumentRecord, head: Snapshot): Promise<void> {
    const { repository } = this.options;
    const commits = await repository.commitsTouching(head.commit.id, this.walkBack, [
      ...record.inputs,
      `schemas/${record.service}.schema.json`,
    ]);
    for (const id of commits) {
      if (id === head.commit.id) continue;
      const snapshot = await repository.snapshot(id);
      if (!this.options.resolver.isKnown(snapshot, record.service)) continue;
      const outcome = await this.judge(record, snapshot);
      if (!outcome.ok) continue;
      record.published = makeDocument({
        service: record.service,
        profiles: record.profiles,
        label: record.label,
        version: id,
        config: outcome.config,
        sources: outcome.sources,
        owners: outcome.owners,
        validated: outcome.validated,
        commit: snapshot.commit,
      });
      record.degraded = true;
      this.options.logger.warn(
        { service: record.service, profiles: record.profiles, label: record.label, commit: id },
        'serving an older valid commit: the head is invalid (degraded)',
      );
      return;
    }
  }
}
