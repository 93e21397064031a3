import type { ConfigObject, JsonValue } from '@hotconf/client';
import { flatten } from './flatten.js';
import { isObject } from './merge.js';

/** How many `${…}` one value may expand through (a cycle stops here, unresolved). */
const MAX_PASSES = 16;

/**
 * Resolves `${key}` and `${key:default}` in `text` from `lookup`, as Spring's
 * `PropertyPlaceholderHelper` does with unresolvable placeholders ignored: nested
 * placeholders resolve inside out, an unknown key without default stays as written, and
 * `\${…}` is kept literal as `${…}` (Spring Cloud Config's escape). Bounded: no value can
 * loop.
 */
export function resolveText(text: string, lookup: (key: string) => string | undefined): string {
  if (!text.includes('${')) return text;
  const ESC = '\u0000ESC\u0000';
  let out = text.replaceAll('\\${', ESC);
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let changed = false;
    // Innermost placeholders first: `${a:${b}}` resolves `${b}`, then `${a:…}`.
    out = out.replace(/\$\{([^${}]*)\}/g, (whole, body: string) => {
      const colon = body.indexOf(':');
      const key = colon < 0 ? body : body.slice(0, colon);
      const value = lookup(key);
      if (value !== undefined) {
        changed = true;
        return value.replaceAll('\\${', ESC);
      }
      if (colon >= 0) {
        changed = true;
        return body.slice(colon + 1);
      }
      return `\u0001${body}\u0002`;
    });
    if (!changed) break;
  }
  return out.replace(/\u0001([^\u0002]*)\u0002/g, '${$1}').replaceAll(ESC, '${');
}

/**
 * A copy of `doc` with every string's placeholders resolved from the document's own keys
 * (dotted, `list[0]`), for the `.yml`/`.properties` renderings and plain-text files.
 */
export function resolveDocument(doc: ConfigObject): ConfigObject {
  const flat = flatten(doc);
  const lookup = (key: string) => {
    const v = flat[key];
    return v === undefined || v === null ? undefined : String(v);
  };
  const walk = (value: JsonValue): JsonValue => {
    if (typeof value === 'string') return resolveText(value, lookup);
    if (Array.isArray(value)) return value.map(walk);
    if (isObject(value)) {
      const out: ConfigObject = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v);
      return out;
    }
    return value;
  };
  return walk(doc) as ConfigObject;
}

/** The lookup a plain-text file resolves against: the document's flattened keys. */
export function documentLookup(doc: ConfigObject): (key: string) => string | undefined {
  const flat = flatten(doc);
  return (key) => {
    const v = flat[key];
    return v === undefined || v === null ? undefined : String(v);
  };
}
