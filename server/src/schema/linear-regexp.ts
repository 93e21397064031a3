import RE2 from 're2';
import type { RegExpEngine, RegExpLike } from 'ajv/dist/types/index.js';

/** A schema pattern the linear-time engine cannot run (backreferences, lookaround). */
export class UnsupportedPatternError extends Error {
  constructor(readonly pattern: string) {
    super(
      `pattern ${JSON.stringify(pattern.length > 80 ? `${pattern.slice(0, 80)}…` : pattern)} cannot run on the linear-time regular expression engine (RE2): backreferences and lookaround are not supported, rewrite it without them`,
    );
    this.name = 'UnsupportedPatternError';
  }
}

/**
 * The engine ajv runs schema `pattern`s and `patternProperties` on (DESIGN §3): RE2,
 * whose matching time is linear in the input, so a pattern such as `^(a+)+$` cannot
 * hang the server on any string. A pattern RE2 refuses throws UnsupportedPatternError
 * at schema compile time, which the gate turns into a rejection naming the schema file.
 */
export const linearRegExp: RegExpEngine = Object.assign(
  (pattern: string, flags: string): RegExpLike => {
    try {
      return new RE2(pattern, flags);
    } catch {
      throw new UnsupportedPatternError(pattern);
    }
  },
  // Only for ajv's standalone code generation, which hotconf does not use.
  { code: 'require("re2")' },
);
