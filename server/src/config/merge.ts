import type { ConfigObject, JsonValue } from '@hotconf/client';

export function isObject(value: unknown): value is ConfigObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges documents given highest precedence first: maps merge deeply, arrays and scalars
 * from the higher document replace the lower whole (Spring's rule). Inputs are not mutated.
 */
export function mergeDocuments(highestFirst: readonly ConfigObject[]): ConfigObject {
  let out: ConfigObject = {};
  for (let i = highestFirst.length - 1; i >= 0; i--) {
    out = mergeInto(out, highestFirst[i] as ConfigObject);
  }
  return out;
}

function mergeInto(base: ConfigObject, over: ConfigObject): ConfigObject {
  const out: ConfigObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isObject(prev) && isObject(value) ? mergeInto(prev, value) : (value as JsonValue);
  }
  return out;
}
