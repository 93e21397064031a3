import { expect } from 'chai';
import { chooseCohort, cohortSize, describeShare } from '../../server/src/rollout/cohort.js';

const fleet = Array.from({ length: 20 }, (_, i) => `pod-${i}`);

describe('chooseCohort', () => {
  it('grows 2 → 10 → 20 over 10 %, 50 %, 100 % of 20 instances, never dropping one', () => {
    const ten = chooseCohort({ rolloutKey: 'r1', percent: 10, eligible: fleet, current: [] });
    const fifty = chooseCohort({ rolloutKey: 'r1', percent: 50, eligible: fleet, current: ten });
    const all = chooseCohort({ rolloutKey: 'r1', percent: 100, eligible: fleet, current: fifty });
    expect([ten.length, fifty.length, all.length]).to.deep.equal([2, 10, 20]);
    expect(fifty).to.include.members(ten);
    expect(all).to.include.members(fifty);
  });

  it('picks the same instances whatever order they are listed in (every replica agrees)', () => {
    const a = chooseCohort({ rolloutKey: 'r1', percent: 50, eligible: fleet, current: [] });
    const b = chooseCohort({
      rolloutKey: 'r1',
      percent: 50,
      eligible: [...fleet].reverse(),
      current: [],
    });
    expect(a).to.deep.equal(b);
  });

  it('ranks by rollout, so a new canary file draws a new cohort', () => {
    const a = chooseCohort({ rolloutKey: 'r1', percent: 25, eligible: fleet, current: [] });
    const b = chooseCohort({ rolloutKey: 'r2', percent: 25, eligible: fleet, current: [] });
    expect(a).to.not.deep.equal(b);
  });

  it('takes at least one instance, and none when none is eligible', () => {
    expect(
      chooseCohort({ rolloutKey: 'r', percent: 1, eligible: ['a', 'b', 'c'], current: [] }),
    ).to.have.length(1);
    expect(chooseCohort({ rolloutKey: 'r', percent: 50, eligible: [], current: [] })).to.deep.equal(
      [],
    );
    expect(cohortSize(10, 3)).to.equal(1);
  });

  it('keeps a member that went offline cleanly, without counting it towards the share', () => {
    const first = chooseCohort({ rolloutKey: 'r', percent: 10, eligible: fleet, current: [] });
    const gone = first[0] as string;
    const rest = fleet.filter((id) => id !== gone);
    const next = chooseCohort({ rolloutKey: 'r', percent: 10, eligible: rest, current: first });
    expect(next).to.include.members(first);
    expect(next.filter((id) => rest.includes(id))).to.have.length(2);
  });
});

describe('describeShare', () => {
  it('shows the real share when few instances make it differ from the step', () => {
    expect(describeShare(1, 3)).to.equal('1 of 3 = 33 %');
    expect(describeShare(10, 20)).to.equal('10 of 20 = 50 %');
  });
});
