import { deepFreeze, valueAt } from './document.js';
import { ErrorCodes, HotconfClientError } from './errors.js';
import type { ConfigObject, JsonValue } from './protocol.js';

/** Where `${name}` is looked up after the document itself (a Spring client's environment). */
export type PlaceholderEnvironment = Readonly<Record<string, string | undefined>>;

/** A document with its placeholders resolved, and the reference cycles that were left alone. */
export interface ResolvedDocument {
  config: ConfigObject;
  /** Each cycle once, as `a -> b -> a`; the placeholders in it stay as written. */
  cycles: string[];
}

/**
 * Resolves `${name}` and `${name:default}` in every string value, as a Spring client resolves
 * them: `name` is a dotted path to another scalar of the same document (itself resolved
 * first), else an environment variable (`name`, then with `.` and `-` as `_`, then that
 * upper-cased: `db.host` → `DB_HOST`), else the default; with none of them the placeholder
 * stays as written. Names and defaults may hold placeholders themselves. `\${…}` is a
 * literal `${…}`. A cycle (`a: ${b}`, `b: ${a}`) is reported, never followed forever.
 * Returns the same objects where nothing changed.
 */
export function resolvePlaceholders(
  config: ConfigObject,
  env: PlaceholderEnvironment,
): ResolvedDocument {
  const resolver = new Resolver(config, env);
  const resolved = resolver.walk(config, []) as ConfigObject;
  return { config: resolved, cycles: [...resolver.cycles] };
}

/** The `error` a client emits for `cycles` in the document it names `what`. */
export function cycleError(what: string, cycles: string[]): HotconfClientError {
  return new HotconfClientError(
    ErrorCodes.PLACEHOLDER_CYCLE,
    `hotconf: placeholders in ${what} refer to each other in a cycle (${cycles.join('; ')}); they are left as written`,
  );
}

class Resolver {
  readonly cycles = new Set<string>();
  /** Resolved values of keys looked up so far. */
  private readonly memo = new Map<string, string | undefined>();

  constructor(
    private readonly root: ConfigObject,
    private readonly env: PlaceholderEnvironment,
  ) {}

  walk(value: JsonValue, path: string[]): JsonValue {
    if (typeof value === 'string')
      return value.includes('${') ? this.text(value, [path.join('.')]) : value;
    if (typeof value !== 'object' || value === null) return value;
    let changed = false;
    if (Array.isArray(value)) {
      const out = value.map((item, i) => this.walk(item, [...path, String(i)]));
      changed = out.some((item, i) => item !== value[i]);
      return changed ? out : value;
    }
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value)) {
      const next = this.walk(item, [...path, key]);
      if (next !== item) changed = true;
      // defineProperty: a key named `__proto__` stays a plain key.
      Object.defineProperty(out, key, {
        value: next,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return changed ? out : value;
  }

  /** `text` with its placeholders replaced; `stack` holds the keys being resolved (for cycles). */
  private text(text: string, stack: string[]): string {
    let out = '';
    let i = 0;
    while (i < text.length) {
      const escaped = text.startsWith('\\${', i);
      if (escaped || text.startsWith('${', i)) {
        const start = escaped ? i + 1 : i;
        const end = closing(text, start);
        if (end < 0) return out + text.slice(escaped ? i + 1 : i);
        if (escaped) out += text.slice(start, end + 1);
        else out += this.placeholder(text.slice(start + 2, end), text.slice(start, end + 1), stack);
        i = end + 1;
      } else {
        out += text[i];
        i++;
      }
    }
    return out;
  }

  private placeholder(body: string, written: string, stack: string[]): string {
    const colon = topLevelColon(body);
    const name = this.text(colon < 0 ? body : body.slice(0, colon), stack);
    const value = this.lookup(name, stack);
    if (value !== undefined) return value;
    if (colon >= 0) return this.text(body.slice(colon + 1), stack);
    return written;
  }

  private lookup(name: string, stack: string[]): string | undefined {
    const at = stack.indexOf(name);
    if (at >= 0) {
      // One description per cycle, wherever the walk entered it: start at the smallest name.
      const loop = stack.slice(at);
      const first = loop.indexOf([...loop].sort()[0] as string);
      const turned = [...loop.slice(first), ...loop.slice(0, first)];
      this.cycles.add([...turned, turned[0]].join(' -> '));
      return undefined;
    }
    if (this.memo.has(name)) return this.memo.get(name);
    let result: string | undefined;
    const value = valueAt(this.root, name);
    if (typeof value === 'string') result = this.text(value, [...stack, name]);
    else if (typeof value === 'number' || typeof value === 'boolean') result = String(value);
    else result = fromEnvironment(this.env, name);
    // A value inside a cycle depends on where the walk entered it: do not remember it.
    if (this.cycles.size === 0) this.memo.set(name, result);
    return result;
  }
}

function fromEnvironment(env: PlaceholderEnvironment, name: string): string | undefined {
  const underscored = name.replace(/[.-]/g, '_');
  return env[name] ?? env[underscored] ?? env[underscored.toUpperCase()];
}

/** Index of the `}` closing the `${` at `start`, or -1. */
function closing(text: string, start: number): number {
  let depth = 0;
  for (let j = start; j < text.length; j++) {
    if (text.startsWith('${', j)) {
      depth++;
      j++;
    } else if (text[j] === '}' && --depth === 0) {
      return j;
    }
  }
  return -1;
}

/** Index of the `:` separating name and default, outside nested placeholders; -1 if none. */
function topLevelColon(body: string): number {
  let depth = 0;
  for (let j = 0; j < body.length; j++) {
    if (body.startsWith('${', j)) {
      depth++;
      j++;
    } else if (body[j] === '}') depth--;
    else if (body[j] === ':' && depth === 0) return j;
  }
  return -1;
}

/**
 * The view a client shows of `config`: placeholders resolved against `env` (unless turned
 * off), deep-frozen by the caller. A cycle goes to `report`.
 */
export function documentView(
  config: ConfigObject,
  resolve: boolean,
  what: string,
  report: (error: HotconfClientError) => void,
): ConfigObject {
  if (!resolve) return config;
  const resolved = resolvePlaceholders(config, process.env);
  if (resolved.cycles.length > 0) report(cycleError(what, resolved.cycles));
  return resolved.config;
}

/**
 * {@link documentView}, deep-frozen: what a client's users see. `config` itself (already
 * frozen) is returned when there was nothing to resolve.
 */
export function frozenView(
  config: ConfigObject,
  resolve: boolean,
  what: string,
  report: (error: HotconfClientError) => void,
): ConfigObject {
  const view = documentView(config, resolve, what, report);
  return view === config ? config : deepFreeze(view);
}
