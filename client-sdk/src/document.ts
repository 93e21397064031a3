import { isDeepStrictEqual } from 'node:util';
import type { JsonValue } from './protocol.js';

/** Freezes a JSON value and everything inside it; already-frozen subtrees are skipped. */
export function deepFreeze<V>(value: V): V {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}

const SEGMENT = /([^.[\]]+)|\[(\d+)\]/g;

/**
 * Splits `a.b[0].c` (or `a.b.0.c`) into `['a', 'b', '0', 'c']`. Keys containing `.` or
 * `[` cannot be addressed this way; read them from `config` directly.
 */
export function parsePath(path: string): string[] {
  const segments: string[] = [];
  for (const match of path.matchAll(SEGMENT)) segments.push(match[1] ?? match[2] ?? '');
  return segments;
}

/**
 * `path` split into segments.
 * @throws TypeError when `path` is not a non-empty string.
 */
export function checkPath(path: unknown): string[] {
  const segments = typeof path === 'string' ? parsePath(path) : [];
  if (segments.length === 0) throw new TypeError('path must be a non-empty string');
  return segments;
}

/** The value at `path` inside `root`, or `undefined` when any step is missing. */
export function valueAt(root: unknown, path: string | string[]): unknown {
  let node = root;
  for (const segment of typeof path === 'string' ? parsePath(path) : path) {
    if (typeof node !== 'object' || node === null) return undefined;
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(segment)) return undefined;
      node = node[Number(segment)];
    } else {
      if (!Object.hasOwn(node, segment)) return undefined;
      node = (node as Record<string, unknown>)[segment];
    }
  }
  return node;
}

/**
 * Dotted paths whose value differs between two documents, down to the leaves. Maps are
 * compared key by key (one that appeared or vanished is reported by its leaves); arrays
 * and scalars are compared whole, as the server merges them, so a changed array is
 * reported once, by its own path. Sorted.
 */
export function changedKeys(before: JsonValue | undefined, after: JsonValue | undefined): string[] {
  const out: string[] = [];
  collect(before, after, '', out);
  return out.sort();
}

function collect(a: unknown, b: unknown, prefix: string, out: string[]): void {
  // A map that appeared or vanished is reported by its leaves, like an edited one.
  const left = a === undefined && isPlainObject(b) ? {} : a;
  const right = b === undefined && isPlainObject(a) ? {} : b;
  if (isPlainObject(left) && isPlainObject(right)) {
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    if (keys.size === 0 && a !== b && (a === undefined || b === undefined)) out.push(prefix);
    for (const key of keys) {
      collect(own(left, key), own(right, key), prefix ? `${prefix}.${key}` : key, out);
    }
    return;
  }
  if (!isDeepStrictEqual(a, b)) out.push(prefix);
}

/** `object[key]` when it is the object's own (`toString` is a config key, not a method). */
function own(object: Record<string, JsonValue>, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** A JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
