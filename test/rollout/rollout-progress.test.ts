import { expect } from 'chai';
import type { CanaryPlan } from '../../server/src/rollout/canary-file.js';
import {
  advanceRollout,
  bakeLeft,
  haltRollout,
  startRollout,
  type FleetObservation,
  type RolloutState,
} from '../../server/src/rollout/rollout-progress.js';

const PLAN: CanaryPlan = {
  steps: [
    { percent: 10, bakeMs: 1000 },
    { percent: 50, bakeMs: 1000 },
    { percent: 100, bakeMs: 0 },
  ],
  matchLabels: {},
  overlay: { db: { pool: { max: 80 } } },
};
const fleet = Array.from({ length: 20 }, (_, i) => `pod-${i}`);

function look(applied: Iterable<string>, extra: Partial<FleetObservation> = {}): FleetObservation {
  return {
    eligible: fleet,
    appliedCanary: new Set(applied),
    failedCanary: new Map(),
    lostAfterApplying: [],
    ...extra,
  };
}

describe('advanceRollout', () => {
  it('walks 10 % → 50 % → 100 %, baking each step after its cohort applied, then completes', () => {
    let state: RolloutState = startRollout('orders', 'prod', 'c0ffee', 0);
    state = advanceRollout(state, PLAN, look([]), 0);
    expect(state.cohort).to.have.length(2);
    expect(state.bakeStartedAt).to.equal(undefined);

    state = advanceRollout(state, PLAN, look(state.cohort), 100);
    expect(state.bakeStartedAt).to.equal(100);
    expect(bakeLeft(state, PLAN, 600)).to.equal(500);
    state = advanceRollout(state, PLAN, look(state.cohort), 1100);
    expect(state.step).to.equal(1);

    const first = state.cohort;
    state = advanceRollout(state, PLAN, look(first), 1200);
    expect(state.cohort).to.have.length(10).and.include.members(first);
    state = advanceRollout(state, PLAN, look(state.cohort), 1300);
    state = advanceRollout(state, PLAN, look(state.cohort), 2300);
    expect(state.step).to.equal(2);

    state = advanceRollout(state, PLAN, look(state.cohort), 2400);
    expect(state.cohort).to.have.length(20);
    state = advanceRollout(state, PLAN, look(fleet), 2500);
    expect(state.status).to.equal('complete');
    expect(state.events.map((e) => e.kind)).to.deep.equal(['started', 'step', 'step', 'complete']);
  });

  it('does not start the bake while a cohort instance has not applied the canary', () => {
    let state = advanceRollout(startRollout('orders', 'prod', 'c', 0), PLAN, look([]), 0);
    state = advanceRollout(state, PLAN, look([state.cohort[0] as string]), 5000);
    expect(state.bakeStartedAt).to.equal(undefined);
    expect(state.step).to.equal(0);
  });

  it('halts when a cohort instance fails to apply, and stays halted', () => {
    let state = advanceRollout(startRollout('orders', 'prod', 'c', 0), PLAN, look([]), 0);
    const victim = state.cohort[0] as string;
    state = advanceRollout(
      state,
      PLAN,
      look([], { failedCanary: new Map([[victim, 'pool too big']]) }),
      10,
    );
    expect(state.status).to.equal('halted');
    expect(state.haltReason).to.equal(
      `instance ${victim} failed to apply the canary: pool too big`,
    );
    expect(advanceRollout(state, PLAN, look(fleet), 99_999)).to.equal(state);
  });

  it('ignores a failure outside the cohort', () => {
    let state = advanceRollout(startRollout('orders', 'prod', 'c', 0), PLAN, look([]), 0);
    const outsider = fleet.find((id) => !state.cohort.includes(id)) as string;
    state = advanceRollout(state, PLAN, look([], { failedCanary: new Map([[outsider, 'x']]) }), 10);
    expect(state.status).to.equal('running');
  });

  it('halts with "instances lost after applying" when cohort instances crash', () => {
    let state = advanceRollout(startRollout('orders', 'prod', 'c', 0), PLAN, look([]), 0);
    const [a, b] = state.cohort as [string, string];
    state = advanceRollout(state, PLAN, look([], { lostAfterApplying: [a, b] }), 10);
    expect(state.haltReason).to.equal(`instances lost after applying: ${a}, ${b}`);
  });

  it('halts by hand once, recording the reason as an event', () => {
    const state = haltRollout(startRollout('orders', 'prod', 'c', 0), 'halted by ops', 5);
    expect(state.status).to.equal('halted');
    expect(state.events.at(-1)).to.deep.equal({
      at: 5,
      kind: 'halted',
      message: 'halted: halted by ops',
    });
    expect(haltRollout(state, 'again', 6)).to.equal(state);
  });
});
