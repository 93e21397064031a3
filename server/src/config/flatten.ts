import type { ConfigObject, JsonValue } from '@hotconf/client';
import { isObject } from './merge.js';

/**
 * Flattens a document to Spring's property keys: `a.b` for maps, `list[0]` for arrays.
 * Empty maps and arrays become empty strings, as Spring does.
 */
export function flatten(doc: ConfigObject): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  const walk = (value: JsonValue, key: string): void => {
    if (Array.isArray(value)) {
      if (value.length === 0 && key) out[key] = '';
      value.forEach((item, i) => walk(item, `${key}[${i}]`));
    } else if (isObject(value)) {
      const entries = Object.entries(value);
      if (entries.length === 0 && key) out[key] = '';
      // A key that keeps its dots is written in Spring's bracket form: `a[db.example.com]`.
      for (const [k, v] of entries)
        walk(v, /[.[\]]/.test(k) ? `${key}[${k}]` : key ? `${key}.${k}` : k);
    } else {
      out[key] = value;
    }
  };
  walk(doc, '');
  return out;
}

/** A key or value written as `.properties` text reads it back (`java.util.Properties` rules). */
export function escapeProperty(s: string, isKey: boolean): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(isKey ? /([=: #!])/g : /^([ #!])/g, '\\$1')
    .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Renders a document as Java `.properties` text, keys sorted. */
export function toProperties(doc: ConfigObject): string {
  const flat = flatten(doc);
  return Object.keys(flat)
    .sort()
    .map((k) => `${escapeProperty(k, true)}: ${escapeProperty(String(flat[k] ?? ''), false)}`)
    .join('\n')
    .concat('\n');
}
