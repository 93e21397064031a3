import { expect } from 'chai';
import {
  parseProfileExpression,
  parseProfileList,
} from '../../server/src/config/profile-expression.js';

function matches(expression: string, active: string[]): boolean {
  return parseProfileExpression(expression)(new Set(active));
}

function error(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

// Expected values: Spring Framework's `Profiles.of` Javadoc ("production & us-east",
// "!production", "(a & b) | c", mixing & and | needs parentheses) and its ProfilesParser,
// which rejects such mixes as a "Malformed profile expression".
describe('parseProfileExpression', () => {
  it('matches a plain name', () => {
    expect(matches('dev', ['dev'])).to.equal(true);
    expect(matches('dev', ['prod'])).to.equal(false);
  });

  it('negates with !', () => {
    expect(matches('!prod', ['dev'])).to.equal(true);
    expect(matches('!prod', ['prod'])).to.equal(false);
    expect(matches('!!prod', ['prod'])).to.equal(true);
  });

  it('needs every name with &', () => {
    expect(matches('dev & eu', ['dev', 'eu'])).to.equal(true);
    expect(matches('dev & eu', ['dev'])).to.equal(false);
  });

  it('needs any name with |', () => {
    expect(matches('dev | eu', ['eu'])).to.equal(true);
    expect(matches('dev | eu', ['us'])).to.equal(false);
  });

  it('groups with parentheses', () => {
    expect(matches('(dev & eu) | prod', ['prod'])).to.equal(true);
    expect(matches('dev & (eu | us)', ['dev', 'us'])).to.equal(true);
    expect(matches('!(dev & eu)', ['dev', 'eu'])).to.equal(false);
  });

  it('refuses "dev &"', () => {
    expect(error(() => parseProfileExpression('dev &'))).to.equal(
      'profile expression "dev &" ends where a profile name is expected',
    );
  });

  it('refuses "(dev"', () => {
    expect(error(() => parseProfileExpression('(dev'))).to.equal(
      'profile expression "(dev" has a "(" without its ")"',
    );
  });

  it('refuses "!" alone', () => {
    expect(error(() => parseProfileExpression('!'))).to.equal(
      'profile expression "!" ends where a profile name is expected',
    );
  });

  it('refuses "dev)" and "dev eu"', () => {
    expect(error(() => parseProfileExpression('dev)'))).to.equal(
      'profile expression "dev)" has a ")" without its "("',
    );
    expect(error(() => parseProfileExpression('dev eu'))).to.equal(
      'profile expression "dev eu" has two profile names without "&" or "|"',
    );
  });

  it('refuses & and | mixed without parentheses', () => {
    expect(error(() => parseProfileExpression('a & b | c'))).to.equal(
      'profile expression "a & b | c" mixes "&" and "|" without parentheses: write "(a & b) | c" or "a & (b | c)"',
    );
  });

  it('stays bounded on a long chain of "!" and deep parentheses', () => {
    expect(matches(`${'!'.repeat(100_001)}dev`, ['dev'])).to.equal(false);
    expect(error(() => parseProfileExpression(`${'('.repeat(10_000)}dev`))).to.equal(
      `profile expression "${'('.repeat(80)}" nests parentheses deeper than 32`,
    );
  });
});

describe('parseProfileList', () => {
  it('reads a comma list as "any of"', () => {
    const m = parseProfileList('dev, eu');
    expect(m(new Set(['eu']))).to.equal(true);
    expect(m(new Set(['us']))).to.equal(false);
  });

  it('reads a YAML list as "any of"', () => {
    expect(parseProfileList(['dev', 'prod & eu'])(new Set(['prod', 'eu']))).to.equal(true);
  });

  it('refuses an empty expression', () => {
    expect(error(() => parseProfileList(' , '))).to.equal(
      'the profile expression is empty: name a profile',
    );
  });
});
