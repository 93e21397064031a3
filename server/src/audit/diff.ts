import type { ConfigObject } from '@hotconf/client';
import { flatten } from '../config/flatten.js';

/** A flattened value as Spring shows it. */
export type FlatValue = string | number | boolean | null;

/** Keys added, removed and changed between two versions of a document. */
export interface ConfigDiff {
  added: Record<string, FlatValue>;
  removed: Record<string, FlatValue>;
  changed: Record<string, { from: FlatValue; to: FlatValue }>;
}

/** What a masked value is shown as. */
export const MASK = '******';

/** A key with any segment named like a credential has its values masked. */
const SECRET_NAME = /password|secret|token|key|credential/i;

/** True when a flattened key names something secret (`db.password`, `api.keys[0]`). */
export function isSecretKey(key: string): boolean {
  return key.split(/[.[\]]/).some((segment) => segment !== '' && SECRET_NAME.test(segment));
}

/**
 * Compares two documents key by key on their flattened (Spring) keys, keys sorted.
 * Values of secret-looking keys and of keys in `encrypted` are replaced by `******`:
 * a diff says THAT a secret changed, never what it is.
 */
export function diffConfigs(
  from: ConfigObject,
  to: ConfigObject,
  encrypted: ReadonlySet<string>,
): ConfigDiff {
  const a = flatten(from);
  const b = flatten(to);
  const show = (key: string, value: FlatValue): FlatValue =>
    encrypted.has(key) || isSecretKey(key) ? MASK : value;
  // Null prototypes: a key named `__proto__` in a config file stays a plain key.
  const out: ConfigDiff = {
    added: Object.create(null),
    removed: Object.create(null),
    changed: Object.create(null),
  };
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const key of keys) {
    const inA = Object.hasOwn(a, key);
    const inB = Object.hasOwn(b, key);
    if (inA && !inB) out.removed[key] = show(key, a[key] as FlatValue);
    else if (!inA && inB) out.added[key] = show(key, b[key] as FlatValue);
    else if (a[key] !== b[key])
      out.changed[key] = {
        from: show(key, a[key] as FlatValue),
        to: show(key, b[key] as FlatValue),
      };
  }
  return out;
}
