import type { ConfigObject, JsonValue } from '@hotconf/client';
import { isObject } from '../config/merge.js';

/**
 * Dotted paths of the leaves added, removed or changed between two documents, sorted.
 * Arrays are leaves: they are replaced whole, so `cors.origins` names the change.
 */
export function changedKeys(previous: ConfigObject | undefined, next: ConfigObject): string[] {
  const out: string[] = [];
  const walk = (a: JsonValue | undefined, b: JsonValue | undefined, key: string): void => {
    if (isObject(a) && isObject(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
        walk(a[k], b[k], key ? `${key}.${k}` : k);
    } else if (isObject(a) || isObject(b)) {
      // A map appeared, vanished, or became a scalar: every leaf under it changed.
      const leaves = (v: JsonValue | undefined, k: string) =>
        isObject(v) ? walk(v, {}, k) : v !== undefined && out.push(k);
      if (isObject(a)) leaves(a, key);
      else if (a !== undefined) out.push(key);
      if (isObject(b)) walk({}, b, key);
      else if (b !== undefined && !out.includes(key)) out.push(key);
    } else if (!sameValue(a, b)) {
      out.push(key);
    }
  };
  walk(previous ?? {}, next, '');
  return [...new Set(out)].sort();
}

function sameValue(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
