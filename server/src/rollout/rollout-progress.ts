import type { CanaryPlan } from './canary-file.js';
import { chooseCohort } from './cohort.js';
import { formatDuration } from './duration.js';

export type RolloutStatus = 'running' | 'halted' | 'complete';

/** One line of a rollout's story, for `/v1/rollouts` and the console. */
export interface RolloutEvent {
  at: number;
  kind: 'started' | 'step' | 'halted' | 'complete';
  message: string;
}

/**
 * Where a rollout stands. Plain JSON, so it can be kept in a file or in Redis and survive
 * a restart; which canary file it belongs to is `canaryId` (its blob id): a commit that
 * changes the canary file starts a new rollout, any other commit carries this one on.
 */
export interface RolloutState {
  service: string;
  profile: string;
  canaryId: string;
  status: RolloutStatus;
  /** Index into the plan's steps. */
  step: number;
  cohort: string[];
  /** When the step's whole cohort had applied the canary: its bake counts from here. */
  bakeStartedAt: number | undefined;
  haltReason: string | undefined;
  events: RolloutEvent[];
}

/** What the fleet view says of the instances, read at one moment. */
export interface FleetObservation {
  /** Online instances that said `hello` and match the rollout's labels. */
  eligible: readonly string[];
  /** Instances whose applied etag is the canary document's. */
  appliedCanary: ReadonlySet<string>;
  /** Instances that reported `failed` for the canary document, with their message. */
  failedCanary: ReadonlyMap<string, string>;
  /** Cohort instances that went away without a clean close after applying the canary. */
  lostAfterApplying: readonly string[];
}

/** Events kept per rollout; older ones fall off. */
const MAX_EVENTS = 50;

/** A new rollout at its first step, with no cohort yet. */
export function startRollout(
  service: string,
  profile: string,
  canaryId: string,
  now: number,
): RolloutState {
  return {
    service,
    profile,
    canaryId,
    status: 'running',
    step: 0,
    cohort: [],
    bakeStartedAt: undefined,
    haltReason: undefined,
    events: [
      { at: now, kind: 'started', message: `rollout started (canary ${canaryId.slice(0, 12)})` },
    ],
  };
}

/** Halts a running rollout; a halted or complete one is left as it is. */
export function haltRollout(state: RolloutState, reason: string, now: number): RolloutState {
  if (state.status !== 'running') return state;
  return withEvent(
    { ...state, status: 'halted', haltReason: reason },
    now,
    'halted',
    `halted: ${reason}`,
  );
}

/**
 * One look at the fleet: halts on a failure or a crash in the cohort, grows the cohort to
 * the step's share, starts the bake once the cohort has applied, and moves to the next
 * step (or completes) when the bake is over. Pure: the caller keeps and stores the result.
 */
export function advanceRollout(
  state: RolloutState,
  plan: CanaryPlan,
  fleet: FleetObservation,
  now: number,
): RolloutState {
  if (state.status !== 'running') return state;
  const inCohort = new Set(state.cohort);
  const failed = [...fleet.failedCanary].filter(([id]) => inCohort.has(id));
  if (failed.length > 0) {
    const [id, error] = failed[0] as [string, string];
    return haltRollout(state, `instance ${id} failed to apply the canary: ${error}`, now);
  }
  const lost = fleet.lostAfterApplying.filter((id) => inCohort.has(id));
  if (lost.length > 0) {
    return haltRollout(state, `instances lost after applying: ${lost.join(', ')}`, now);
  }

  const step = plan.steps[Math.min(state.step, plan.steps.length - 1)] as CanaryPlan['steps'][0];
  const cohort = chooseCohort({
    rolloutKey: `${state.service}/${state.profile}/${state.canaryId}`,
    percent: step.percent,
    eligible: fleet.eligible,
    current: state.cohort,
  });
  let next: RolloutState = cohort.length === state.cohort.length ? state : { ...state, cohort };
  const online = new Set(fleet.eligible);
  const waiting = cohort.filter((id) => online.has(id) && !fleet.appliedCanary.has(id));
  const anyOnline = cohort.some((id) => online.has(id));
  if (next.bakeStartedAt === undefined) {
    if (!anyOnline || waiting.length > 0) return next;
    next = { ...next, bakeStartedAt: now };
  }
  if (now - (next.bakeStartedAt as number) < step.bakeMs) return next;

  if (next.step >= plan.steps.length - 1) {
    return withEvent(
      { ...next, status: 'complete' },
      now,
      'complete',
      'rollout complete: every step baked',
    );
  }
  const upcoming = plan.steps[next.step + 1] as CanaryPlan['steps'][0];
  return withEvent(
    { ...next, step: next.step + 1, bakeStartedAt: undefined },
    now,
    'step',
    `step ${next.step + 2} of ${plan.steps.length}: ${upcoming.percent} % (bake ${formatDuration(upcoming.bakeMs)})`,
  );
}

/** Milliseconds of bake left in the current step, or undefined before the bake started. */
export function bakeLeft(state: RolloutState, plan: CanaryPlan, now: number): number | undefined {
  if (state.status !== 'running' || state.bakeStartedAt === undefined) return undefined;
  const step = plan.steps[state.step];
  return step === undefined ? undefined : Math.max(0, state.bakeStartedAt + step.bakeMs - now);
}

function withEvent(
  state: RolloutState,
  at: number,
  kind: RolloutEvent['kind'],
  message: string,
): RolloutState {
  return { ...state, events: [...state.events, { at, kind, message }].slice(-MAX_EVENTS) };
}
