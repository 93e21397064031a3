import type { ConfigObject, JsonValue } from '@hotconf/client';
import { isObject } from '../config/merge.js';

/**
 * The RFC 7386 JSON merge patch that turns `from` into `to`, or undefined when a merge
 * patch cannot say it: a changed value that is `null` would read as "delete".
 */
export function mergePatch(from: ConfigObject, to: ConfigObject): ConfigObject | undefined {
  const patch: ConfigObject = {};
  for (const key of Object.keys(from)) {
    // Own keys: `toString` or `constructor` removed from a document must read as deleted.
    if (!Object.hasOwn(to, key)) patch[key] = null;
  }
  for (const [key, value] of Object.entries(to)) {
    const old = Object.hasOwn(from, key) ? from[key] : undefined;
    if (isObject(old) && isObject(value)) {
      const inner = mergePatch(old, value);
      if (inner === undefined) return undefined;
      if (Object.keys(inner).length > 0) patch[key] = inner;
    } else if (!sameJson(old, value)) {
      if (value === null) return undefined;
      patch[key] = value;
    }
  }
  return patch;
}

function sameJson(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || typeof a !== 'object' || typeof b !== 'object')
    return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
