import type { ConfigObject, JsonValue } from '@hotconf/client';

/** Nesting deeper than this is a rejection (DESIGN §3). */
export const MAX_DEPTH = 64;

/** One document of a file, nested, before activation is read. */
export interface RawDocument {
  /** Position in the file, from 0 (Spring's `document #N`). */
  index: number;
  /** Line the document starts on. */
  line: number;
  config: ConfigObject;
  /** Line of the profile activation setting, when the format knows it. */
  activationLine?: number;
}

/** A map key (string) or an array index (number). */
export type Segment = string | number;

/** Where a setting was written: its key as written and, when known, its line. */
export interface Origin {
  key: string;
  line?: number | undefined;
}

/** A problem with a document's keys; `line` when the file says where. */
export class KeyError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

function at(origin: Origin): string {
  return origin.line === undefined ? `"${short(origin.key)}"` : `line ${origin.line}`;
}

function short(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

/**
 * Splits a Spring property name into segments, as Spring Boot's `ConfigurationPropertyName`
 * reads it: dots separate map keys, `[n]` is an array index, and any other bracketed part
 * (`[db.example.com]`) is one map key that keeps its dots.
 * @throws KeyError on an empty segment, an unclosed bracket or `__proto__`.
 */
export function splitKey(key: string, origin: Origin): Segment[] {
  const out: Segment[] = [];
  let k = 0;
  let expectName = true;
  while (k <= key.length) {
    if (key[k] === '[') {
      const close = key.indexOf(']', k);
      if (close < 0) throw new KeyError(`key "${short(key)}" has an unclosed "["`, origin.line);
      const inner = key.slice(k + 1, close);
      out.push(/^\d{1,9}$/.test(inner) ? Number(inner) : inner);
      k = close + 1;
      expectName = false;
      if (key[k] === '.') {
        k++;
        expectName = true;
      } else if (k < key.length && key[k] !== '[') {
        throw new KeyError(`key "${short(key)}" has text after "]": use a "." there`, origin.line);
      }
      if (k >= key.length && !expectName) break;
      continue;
    }
    let end = k;
    while (end < key.length && key[end] !== '.' && key[end] !== '[') end++;
    const name = key.slice(k, end);
    if (name === '' && (expectName || end < key.length)) {
      throw new KeyError(
        `key "${short(key)}" has an empty part: remove the extra "." or write it in brackets`,
        origin.line,
      );
    }
    if (name !== '') out.push(name);
    if (key[end] === '.') {
      k = end + 1;
      expectName = true;
    } else {
      k = end;
      expectName = false;
      if (end >= key.length) break;
    }
  }
  for (const s of out) {
    if (s === '__proto__')
      throw new KeyError(`key "${short(key)}" uses "__proto__", which is not allowed`, origin.line);
  }
  if (out.length > MAX_DEPTH)
    throw new KeyError(`key "${short(key)}" nests deeper than ${MAX_DEPTH} levels`, origin.line);
  return out;
}

type Container = { [key: string]: JsonValue } | JsonValue[];

/**
 * Builds a nested document from settings given by path, the way Spring binds flat
 * property names: `a.b=1` and `a: {b: 1}` are one setting. Setting a path twice, or a
 * value where another setting needs a map (`a=1` beside `a.b=2`), is a rejection naming
 * both places, so no setting is silently shadowed. Iterative: no file can blow the stack.
 */
export class DocumentBuilder {
  private readonly root: ConfigObject = {};
  /** Who created each map or list (for messages); objects, so no path strings are built. */
  private readonly containers = new WeakMap<object, Origin>();
  /** Who set each scalar, per holder and key. */
  private readonly scalars = new WeakMap<object, Map<string, Origin>>();
  private readonly arrays: { array: JsonValue[]; path: readonly Segment[]; origin: Origin }[] = [];

  /** Sets `value` (a scalar, or an empty map/array) at `path`. */
  set(path: readonly Segment[], value: JsonValue, origin: Origin): void {
    if (path.length > MAX_DEPTH)
      throw new KeyError(
        `"${short(origin.key)}" nests deeper than ${MAX_DEPTH} levels`,
        origin.line,
      );
    const emptyContainer = isEmptyContainer(value);
    let node: Container = this.root;
    for (let d = 0; d < path.length; d++) {
      const seg = path[d] as Segment;
      const last = d === path.length - 1;
      if (Array.isArray(node) !== (typeof seg === 'number')) {
        const owner = this.containers.get(node) ?? { key: '(top level)' };
        throw new KeyError(
          `${at(origin)} uses "${short(origin.key)}" as ${typeof seg === 'number' ? 'a list' : 'a map'}, but ${at(owner)} ("${short(owner.key)}") makes it ${Array.isArray(node) ? 'a list' : 'a map'}`,
          origin.line,
        );
      }
      const holder = node as Record<string, JsonValue>;
      const key = seg;
      const exists = Object.hasOwn(holder, key);
      const existing = exists ? holder[key] : undefined;
      const isScalar = exists && (typeof existing !== 'object' || existing === null);
      if (last && !emptyContainer) {
        if (exists) {
          const owner = isScalar
            ? this.scalars.get(holder)?.get(String(key))
            : this.containers.get(existing as object);
          this.conflict(path.slice(0, d + 1), origin, owner, isScalar);
        }
        holder[key] = value;
        let byKey = this.scalars.get(holder);
        if (!byKey) this.scalars.set(holder, (byKey = new Map()));
        byKey.set(String(key), origin);
        return;
      }
      if (isScalar) {
        this.conflict(
          path.slice(0, d + 1),
          origin,
          this.scalars.get(holder)?.get(String(key)),
          false,
        );
      }
      if (!exists) {
        const next = last
          ? (value as Container)
          : typeof path[d + 1] === 'number'
            ? ([] as JsonValue[])
            : {};
        holder[key] = next;
        this.containers.set(next, origin);
        if (Array.isArray(next))
          this.arrays.push({ array: next, path: path.slice(0, d + 1), origin });
        node = next;
      } else {
        node = existing as Container;
      }
    }
  }

  /**
   * The finished document.
   * @throws KeyError when a list skips an index (`a[0]`, `a[2]`), which Spring would
   * silently cut short.
   */
  build(): ConfigObject {
    for (const { array, path, origin } of this.arrays) {
      for (let i = 0; i < array.length; i++) {
        if (!(i in array)) {
          throw new KeyError(
            `list "${dotted(path)}" (${at(origin)}) has no item [${i}]: number its items from 0 without gaps`,
            origin.line,
          );
        }
      }
    }
    return this.root;
  }

  private conflict(
    path: readonly Segment[],
    origin: Origin,
    owner: Origin | undefined,
    sameSetting: boolean,
  ): never {
    const first = owner ?? { key: '(unknown)' };
    throw new KeyError(
      `"${short(origin.key)}" (${at(origin)}) and "${short(first.key)}" (${at(first)}) both set "${short(dotted(path))}"${sameSetting ? '' : ' — one as a value, one as a parent of other keys'}: keep one`,
      origin.line,
    );
  }
}

function dotted(path: readonly Segment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function isEmptyContainer(value: JsonValue): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}
