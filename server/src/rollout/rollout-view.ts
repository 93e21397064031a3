import type { InstanceView } from '../fleet/instance-view.js';
import type { DocumentRecord } from '../publish/document-record.js';
import { describeShare } from './cohort.js';
import { formatDuration } from './duration.js';
import { observe } from './fleet-observation.js';
import { bakeLeft, type RolloutState } from './rollout-progress.js';

/** One rollout as `GET /v1/rollouts` shows it (DESIGN §11) and the console reads it. */
export interface RolloutView {
  service: string;
  profile: string;
  label: string;
  status: RolloutState['status'];
  /** The current step, from 1. */
  step: number;
  steps: { percent: number; bake: string }[];
  /** The current step's percent. */
  percent: number;
  /** The real share: "1 of 3 = 33 %". */
  share: string;
  cohort: string[];
  /** Cohort members online on the canary now. */
  applied: number;
  /** Cohort members that reported a failure with the canary. */
  failed: number;
  /** Ms of bake left in the step; null before the cohort has applied, or when not running. */
  bakeLeft: number | null;
  haltReason: string | null;
  canaryFile: string | null;
  canaryEtag: string | null;
  events: { at: string; kind: string; message: string }[];
}

/** Builds the view of a rollout from its state, its document's canary and the fleet now. */
export function rolloutView(
  state: RolloutState,
  record: DocumentRecord | undefined,
  views: readonly InstanceView[],
  now: number,
): RolloutView {
  const canary = record?.canary?.canaryId === state.canaryId ? record.canary : undefined;
  const plan = canary?.plan;
  const seen =
    canary && record
      ? observe(views, {
          service: record.service,
          profiles: record.profiles,
          label: record.label,
          canaryEtag: canary.document.etag,
          matchLabels: plan?.matchLabels ?? {},
          cohort: state.cohort,
        })
      : undefined;
  const inCohort = new Set(state.cohort);
  const applied = seen ? [...seen.appliedCanary].filter((id) => inCohort.has(id)).length : 0;
  const failed = seen ? [...seen.failedCanary.keys()].filter((id) => inCohort.has(id)).length : 0;
  const left = plan ? bakeLeft(state, plan, now) : undefined;
  const eligible = seen?.eligible.length ?? 0;
  const cohortOnline = seen ? seen.eligible.filter((id) => inCohort.has(id)).length : 0;
  return {
    service: state.service,
    profile: state.profile,
    label: record?.label ?? '',
    status: state.status,
    step: state.step + 1,
    steps: (plan?.steps ?? []).map((s) => ({ percent: s.percent, bake: formatDuration(s.bakeMs) })),
    percent: plan?.steps[state.step]?.percent ?? 0,
    share: describeShare(cohortOnline, eligible),
    cohort: state.cohort,
    applied,
    failed,
    bakeLeft: left ?? null,
    haltReason: state.haltReason ?? null,
    canaryFile: canary?.file ?? null,
    canaryEtag: canary?.document.etag ?? null,
    events: state.events.map((e) => ({
      at: new Date(e.at).toISOString(),
      kind: e.kind,
      message: e.message,
    })),
  };
}
