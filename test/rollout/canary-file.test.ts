import { expect } from 'chai';
import { parseCanaryYaml } from '../../server/src/rollout/canary-file.js';

const FILE = 'orders-prod.canary.yml';

/** The messages a canary file is refused with. */
function refusal(text: string): string[] {
  const parsed = parseCanaryYaml(FILE, text);
  if (parsed.ok) throw new Error('the canary file was accepted');
  return parsed.problems.map((p) => p.message);
}

describe('parseCanaryYaml', () => {
  it('reads steps with their bake times, label match and the overlay', () => {
    const parsed = parseCanaryYaml(
      FILE,
      [
        'rollout:',
        '  steps: [{percent: 10, bake: 5m}, {percent: 50, bake: 1h30m}, {percent: 100, bake: 0}]',
        '  match: {labels: {zone: eu-1a}}',
        'config:',
        '  db: {pool: {max: 80}}',
      ].join('\n'),
    );
    expect(parsed).to.deep.equal({
      ok: true,
      plan: {
        steps: [
          { percent: 10, bakeMs: 300_000 },
          { percent: 50, bakeMs: 5_400_000 },
          { percent: 100, bakeMs: 0 },
        ],
        matchLabels: { zone: 'eu-1a' },
        overlay: { db: { pool: { max: 80 } } },
      },
    });
  });

  it('refuses steps that do not increase, naming the line', () => {
    const text =
      'rollout:\n  steps:\n    - {percent: 50, bake: 1m}\n    - {percent: 10, bake: 1m}\nconfig: {a: 1}\n';
    expect(refusal(text)).to.deep.equal([
      `${FILE} line 4: step 2: percent 10 must be more than the step before (50)`,
    ]);
  });

  it('refuses percent 0 and 150', () => {
    const text = 'rollout:\n  steps:\n    - percent: 0\n    - percent: 150\nconfig: {a: 1}\n';
    expect(refusal(text)).to.deep.equal([
      `${FILE} line 3: step 1: percent must be a whole number from 1 to 100`,
      `${FILE} line 4: step 2: percent must be a whole number from 1 to 100`,
    ]);
  });

  it('refuses a negative bake', () => {
    const text = 'rollout:\n  steps:\n    - percent: 10\n      bake: -1\nconfig: {a: 1}\n';
    expect(refusal(text)).to.deep.equal([
      `${FILE} line 4: step 1: bake must be a duration such as 30s, 5m or 1h (or 0), not -1`,
    ]);
  });

  it('refuses unknown keys at every level, saying which are allowed', () => {
    const text = [
      'rollout:',
      '  steps: [{percent: 10, bak: 5m}]',
      '  strategy: fast',
      'config: {a: 1}',
      'notes: hi',
    ].join('\n');
    expect(refusal(text)).to.deep.equal([
      `${FILE} line 5: unknown key \`notes\` at the top; allowed: rollout, config`,
      `${FILE} line 3: unknown key \`strategy\` in \`rollout\`; allowed: steps, match`,
      `${FILE} line 2: unknown key \`bak\` in \`rollout.steps.0\`; allowed: percent, bake`,
    ]);
  });

  it('refuses a file without steps or without an overlay', () => {
    expect(refusal('rollout: {}\n')).to.deep.equal([
      `${FILE} line 1: \`rollout.steps\` must be a list of {percent, bake}, at least one`,
      `${FILE}: \`config\` must be a non-empty map: the settings the canary changes`,
    ]);
  });

  it('names the line of a YAML syntax error in its own words', () => {
    expect(refusal('rollout:\n  steps: [\nconfig: {a: 1}\n')[0]).to.match(
      /^orders-prod\.canary\.yml line \d: not valid YAML; check the indentation and quoting there$/,
    );
  });
});
