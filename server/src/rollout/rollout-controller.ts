import type { InstanceView } from '../fleet/instance-view.js';
import type { Logger } from '../logger.js';
import type { DocumentRecord } from '../publish/document-record.js';
import type { PublishedDocument } from '../publish/published-document.js';
import type { CanaryPlan } from './canary-file.js';
import { chooseCohort } from './cohort.js';
import { observe } from './fleet-observation.js';
import type { RolloutLease } from './rollout-lease.js';
import {
  advanceRollout,
  haltRollout,
  startRollout,
  type RolloutEvent,
  type RolloutState,
} from './rollout-progress.js';
import type { RolloutStore } from './rollout-store.js';

/** What the controller reads of the publisher: every document record. */
export interface RolloutDocuments {
  all(): DocumentRecord[];
}

/** What the controller tells: the hub (re-send due documents), the console, metrics. */
export interface RolloutSinks {
  /** The canary or cohort of a document changed: subscribers get what is due now. */
  reassign(key: string): void;
  /** A rollout event for the console's live feed. */
  event(state: RolloutState, event: RolloutEvent): void;
}

export interface RolloutControllerOptions {
  documents: RolloutDocuments;
  /** Every instance, this replica's and the others' (the fleet view). */
  fleet: { snapshot(): Promise<{ views: InstanceView[] }> };
  store: RolloutStore;
  lease: RolloutLease;
  sinks: RolloutSinks;
  logger: Logger;
  /** Ms between looks at the fleet. Default 200. */
  tickMs?: number;
}

/**
 * Drives every rollout (DESIGN §11): starts one when a canary file appears or changes,
 * advances it on the fleet's reports, halts it on a failure or a crash in the cohort, and
 * stores each state. Only the replica holding the lease moves steps; every replica reads
 * the stored states and serves the same cohort.
 */
export class RolloutController {
  private states = new Map<string, RolloutState>();
  private cohorts = new Map<string, Set<string>>();
  /** What each document's subscribers were last assigned by: re-send when it changes. */
  private assigned = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private soon: NodeJS.Timeout | undefined;

  constructor(private readonly options: RolloutControllerOptions) {}

  /** Loads stored states and starts looking at the fleet. */
  async start(): Promise<void> {
    this.replace(await this.options.store.load());
    this.timer = setInterval(() => this.poke(), this.options.tickMs ?? 200);
    this.timer.unref();
    await this.poke();
  }

  /** Looks at the fleet now (a tick, or a fleet event); runs are never concurrent. */
  poke(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.tick()
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'rollout tick failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.poke();
        }
      });
    return this.running;
  }

  /**
   * An instance changed: while a rollout runs, look within 20 ms (bursts of reports make
   * one look) rather than at the next tick, so a failure halts at once.
   */
  pokeSoon(): void {
    if (this.soon || ![...this.states.values()].some((s) => s.status === 'running')) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.poke();
    }, 20);
    this.soon.unref();
  }

  /** The document due to one subscriber: the canary for a cohort member of a live rollout. */
  documentFor(
    record: DocumentRecord,
    instanceId: string | undefined,
  ): PublishedDocument | undefined {
    const canary = record.canary;
    if (!canary || instanceId === undefined) return record.published;
    const state = this.states.get(record.key);
    if (!state || state.canaryId !== canary.canaryId || state.status === 'halted')
      return record.published;
    return this.cohorts.get(record.key)?.has(instanceId) ? canary.document : record.published;
  }

  /** Every rollout's state, by document key. */
  list(): ReadonlyMap<string, RolloutState> {
    return this.states;
  }

  /**
   * Halts a rollout by hand (the admin route). @returns the halted state, or undefined when
   * the document has no rollout.
   */
  async halt(key: string, reason: string): Promise<RolloutState | undefined> {
    if (this.options.store.shared) this.replace(await this.options.store.load());
    const state = this.states.get(key);
    if (!state) return undefined;
    const next = haltRollout(state, reason, Date.now());
    if (next !== state) await this.commit(new Map([[key, next]]));
    return next;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.soon);
    await this.running;
    await this.options.lease.close();
    await this.options.store.close();
  }

  private async tick(): Promise<void> {
    const { store, lease } = this.options;
    if (store.shared) this.follow(await store.load());
    const records = this.options.documents.all().filter((r) => !r.removed && r.canary);
    const leading = await lease.hold();
    const changed = new Map<string, RolloutState>();
    const gone: string[] = [];
    if (leading) {
      const now = Date.now();
      const withCanary = new Set(records.map((r) => r.key));
      // The canary file was deleted: the rollout ends, everyone gets the base document.
      for (const key of this.states.keys()) {
        const record = this.options.documents.all().find((r) => r.key === key);
        if (record && !record.removed && !withCanary.has(key) && record.evaluated) gone.push(key);
      }
      let views: InstanceView[] | undefined;
      for (const record of records) {
        const canary = record.canary as NonNullable<DocumentRecord['canary']>;
        let state = this.states.get(record.key);
        if (!state || state.canaryId !== canary.canaryId) {
          state = startRollout(record.service, record.profiles[0] ?? '', canary.canaryId, now);
          changed.set(record.key, state);
        }
        if (state.status === 'halted') continue;
        views ??= (await this.options.fleet.snapshot()).views;
        const observation = observe(views, {
          service: record.service,
          profiles: record.profiles,
          label: record.label,
          canaryEtag: canary.document.etag,
          matchLabels: canary.plan.matchLabels,
          cohort: state.cohort,
        });
        const next =
          state.status === 'complete'
            ? keepComplete(state, canary.plan, observation.eligible)
            : advanceRollout(state, canary.plan, observation, now);
        if (next !== state) changed.set(record.key, next);
      }
    }
    if (changed.size > 0 || gone.length > 0) await this.commit(changed, gone);
    for (const record of records) this.assign(record);
    for (const key of gone) this.assign(undefined, key);
  }

  /** Stores changed states, then logs and announces their new events. */
  private async commit(changed: Map<string, RolloutState>, gone: string[] = []): Promise<void> {
    const before = new Map(this.states);
    const next = new Map(this.states);
    if (this.options.store.shared) {
      // A halt written by another replica since this tick read the store wins over a step.
      const latest = await this.options.store.load();
      for (const [key, state] of changed) {
        const stored = latest.get(key);
        if (stored?.canaryId === state.canaryId && stored.status === 'halted')
          changed.set(key, stored);
      }
    }
    for (const [key, state] of changed) next.set(key, state);
    for (const key of gone) next.delete(key);
    this.replace(next);
    await this.options.store.save(next);
    for (const [key, state] of changed) {
      const old = before.get(key);
      const fresh =
        old?.canaryId === state.canaryId ? state.events.slice(old.events.length) : state.events;
      for (const event of fresh) this.announce(key, state, event);
      this.assign(
        this.options.documents.all().find((r) => r.key === key),
        key,
      );
    }
    for (const key of gone) {
      this.options.logger.info({ document: key }, 'rollout ended: the canary file was removed');
    }
  }

  /**
   * Takes the states another replica stored: their new events reach this replica's
   * console too (the driver alone logs them).
   */
  private follow(loaded: Map<string, RolloutState>): void {
    const before = this.states;
    this.replace(loaded);
    for (const [key, state] of loaded) {
      const old = before.get(key);
      const fresh =
        old?.canaryId === state.canaryId ? state.events.slice(old.events.length) : state.events;
      if (old) for (const event of fresh) this.options.sinks.event(state, event);
    }
  }

  private announce(key: string, state: RolloutState, event: RolloutEvent): void {
    const fields = { document: key, step: state.step + 1, cohort: state.cohort.length };
    if (event.kind === 'halted') this.options.logger.warn(fields, `rollout ${event.message}`);
    else this.options.logger.info(fields, `rollout ${event.message}`);
    this.options.sinks.event(state, event);
  }

  /** Re-sends due documents when the canary, cohort or status behind them changed. */
  private assign(record: DocumentRecord | undefined, key = record?.key ?? ''): void {
    const state = this.states.get(key);
    const signature = `${record?.canary?.document.etag ?? '-'}|${record?.published?.etag ?? '-'}|${state?.canaryId ?? '-'}|${state?.status ?? '-'}|${state?.cohort.join(',') ?? ''}`;
    if (this.assigned.get(key) === signature) return;
    this.assigned.set(key, signature);
    this.options.sinks.reassign(key);
  }

  private replace(states: Map<string, RolloutState>): void {
    this.states = states;
    this.cohorts = new Map([...states].map(([key, s]) => [key, new Set(s.cohort)]));
  }
}

/**
 * A complete rollout still takes in instances that start later (a scale-up), at the last
 * step's share, until the overlay is promoted or the canary file deleted.
 */
function keepComplete(state: RolloutState, plan: CanaryPlan, eligible: readonly string[]) {
  const last = plan.steps[plan.steps.length - 1];
  if (!last) return state;
  const cohort = chooseCohort({
    rolloutKey: `${state.service}/${state.profile}/${state.canaryId}`,
    percent: last.percent,
    eligible,
    current: state.cohort,
  });
  return cohort.length === state.cohort.length ? state : { ...state, cohort };
}
