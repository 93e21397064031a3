/** Decides whether a document applies to the requested profiles. */
export type ProfileMatcher = (active: ReadonlySet<string>) => boolean;

/** A profile expression that cannot be read; the message says what is wrong. */
export class ProfileExpressionError extends Error {}

const MAX_NESTING = 32;

type Token = '(' | ')' | '&' | '|' | '!' | { name: string };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const re = /\s*([()&|!]|[^()&|!\s]+)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const t = m[1] as string;
    out.push(t === '(' || t === ')' || t === '&' || t === '|' || t === '!' ? t : { name: t });
  }
  return out;
}

/**
 * Parses one profile expression as Spring Framework's `Profiles.of` does
 * (`ProfilesParser`): a name, `!x`, `a & b`, `a | b` and parentheses; `&` and `|` may not
 * be mixed without parentheses. Iterative over tokens, nesting bounded.
 * @throws ProfileExpressionError with a sentence saying what to fix.
 */
export function parseProfileExpression(text: string): ProfileMatcher {
  const tokens = tokenize(text);
  if (tokens.length === 0)
    throw new ProfileExpressionError('the profile expression is empty: name a profile');
  let pos = 0;
  const fail = (what: string): never => {
    throw new ProfileExpressionError(`profile expression "${text.slice(0, 80)}" ${what}`);
  };
  const operand = (depth: number): ProfileMatcher => {
    let negations = 0;
    while (tokens[pos] === '!') {
      negations++;
      pos++;
    }
    if (negations % 2 === 1) {
      const inner = operand(depth);
      return (active) => !inner(active);
    }
    const t = tokens[pos++];
    if (t === undefined) return fail('ends where a profile name is expected');
    if (t === '(') {
      if (depth >= MAX_NESTING) return fail(`nests parentheses deeper than ${MAX_NESTING}`);
      const inner = sequence(depth + 1);
      if (tokens[pos++] !== ')') return fail('has a "(" without its ")"');
      return inner;
    }
    if (typeof t === 'object') return (active) => active.has(t.name);
    return fail(`has "${t}" where a profile name is expected`);
  };
  const sequence = (depth: number): ProfileMatcher => {
    const parts = [operand(depth)];
    let op: '&' | '|' | undefined;
    for (;;) {
      const t = tokens[pos];
      if (t !== '&' && t !== '|') break;
      if (op && op !== t)
        fail('mixes "&" and "|" without parentheses: write "(a & b) | c" or "a & (b | c)"');
      op = t;
      pos++;
      parts.push(operand(depth));
    }
    if (parts.length === 1) return parts[0] as ProfileMatcher;
    return op === '&'
      ? (active) => parts.every((p) => p(active))
      : (active) => parts.some((p) => p(active));
  };
  const matcher = sequence(0);
  if (pos < tokens.length) {
    const t = tokens[pos] as Token;
    fail(t === ')' ? 'has a ")" without its "("' : 'has two profile names without "&" or "|"');
  }
  return matcher;
}

/**
 * `spring.config.activate.on-profile` (or legacy `spring.profiles`): a list, or a
 * comma-separated string, of expressions, any of which may match (Spring Boot's
 * `ConfigDataActivationContext` / `Profiles.of(String...)`).
 * @throws ProfileExpressionError naming the expression at fault.
 */
export function parseProfileList(value: unknown): ProfileMatcher {
  const items: string[] = [];
  const add = (v: unknown) => {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw new ProfileExpressionError('a profile expression must be text or a list of texts');
    for (const part of String(v).split(',')) {
      if (part.trim() !== '') items.push(part.trim());
    }
  };
  if (Array.isArray(value)) value.forEach(add);
  else add(value);
  if (items.length === 0)
    throw new ProfileExpressionError('the profile expression is empty: name a profile');
  const matchers = items.map(parseProfileExpression);
  return (active) => matchers.some((m) => m(active));
}
