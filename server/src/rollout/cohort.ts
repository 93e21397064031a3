import { createHash } from 'node:crypto';

/**
 * Where an instance stands in a rollout's queue: a stable hash of the rollout and the
 * instance id, so every replica ranks the same instances the same way, and an instance's
 * place does not depend on which others are online.
 */
export function cohortRank(rolloutKey: string, instanceId: string): number {
  return createHash('sha256')
    .update(rolloutKey)
    .update('\0')
    .update(instanceId)
    .digest()
    .readUInt32BE(0);
}

/** How many of `eligible` instances `percent` asks for: at least one while any is eligible. */
export function cohortSize(percent: number, eligible: number): number {
  if (eligible === 0) return 0;
  return Math.min(eligible, Math.max(1, Math.ceil((percent * eligible) / 100)));
}

export interface CohortInput {
  /** Names the rollout; a new canary file starts a new ranking. */
  rolloutKey: string;
  percent: number;
  /** Online instances that said `hello` and match the rollout's labels. */
  eligible: readonly string[];
  /** Who is in the cohort already: they stay, so raising the percentage never drops one. */
  current: readonly string[];
}

/**
 * The cohort for a step: everyone already in it, then the best-ranked eligible instances
 * until the step's share of the eligible ones is reached.
 */
export function chooseCohort(input: CohortInput): string[] {
  const cohort = new Set(input.current);
  const target = cohortSize(input.percent, input.eligible.length);
  const ranked = input.eligible
    .filter((id) => !cohort.has(id))
    .map((id) => ({ id, rank: cohortRank(input.rolloutKey, id) }))
    .sort((a, b) => a.rank - b.rank || (a.id < b.id ? -1 : 1));
  const eligibleInCohort = input.eligible.filter((id) => cohort.has(id)).length;
  for (let i = 0; i < target - eligibleInCohort && i < ranked.length; i++) {
    cohort.add((ranked[i] as { id: string }).id);
  }
  return [...cohort].sort();
}

/** "1 of 3 = 33 %": the real share, which few instances make differ from the step's. */
export function describeShare(inCohort: number, eligible: number): string {
  const percent = eligible === 0 ? 0 : Math.round((inCohort * 100) / eligible);
  return `${inCohort} of ${eligible} = ${percent} %`;
}
