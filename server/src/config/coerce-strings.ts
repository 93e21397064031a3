import type { ConfigObject, JsonValue } from '@hotconf/client';
import { isObject } from './merge.js';

/** A config source as far as coercion cares: which file set what. */
interface SourceLike {
  file: string;
  config: ConfigObject;
}

type Schema = Record<string, unknown>;

const MAX_SCHEMA_HOPS = 32;

/**
 * Converts, in place, the strings that came from a `.properties` file where the schema asks
 * for a number, integer or boolean (DESIGN §2a): `.properties` values are always text, and
 * Spring's binder converts them the same way. A string that does not convert is left for
 * the schema to refuse with its usual message. Only the value a `.properties` source wins
 * with is touched: a YAML `"8080"` (quoted on purpose) stays a string.
 * Booleans follow Spring's StringToBooleanConverter: true/on/yes/1 and false/off/no/0.
 * @param schema the service's JSON Schema (root)
 * @param config the merged document (a copy the caller owns)
 * @param sources the sources, highest precedence first
 */
export function coerceSpringStrings(
  schema: unknown,
  config: ConfigObject,
  sources: readonly SourceLike[],
): void {
  if (!sources.some((s) => s.file.endsWith('.properties')) || !isObject(schema)) return;
  const root = schema as Schema;
  const walk = (
    value: JsonValue,
    path: string[],
    schemas: Schema[],
    set: (v: JsonValue) => void,
  ) => {
    if (path.length > 64) return;
    if (typeof value === 'string') {
      const types = new Set(schemas.flatMap(typesOf));
      if (types.size === 0 || types.has('string')) return;
      if (!fromProperties(path, sources)) return;
      const converted = convert(value, types);
      if (converted !== undefined) set(converted);
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        const next = schemas.flatMap((s) => itemSchemas(root, s, i));
        if (next.length > 0) walk(item, [...path, String(i)], next, (v) => (value[i] = v));
      });
    } else if (isObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        const next = schemas.flatMap((s) => propertySchemas(root, s, key));
        if (next.length > 0) walk(item, [...path, key], next, (v) => (value[key] = v));
      }
    }
  };
  walk(config, [], expand(root, root), () => undefined);
}

function convert(value: string, types: Set<string>): JsonValue | undefined {
  const text = value.trim();
  if (types.has('boolean')) {
    if (/^(true|on|yes|1)$/i.test(text)) return true;
    if (/^(false|off|no|0)$/i.test(text)) return false;
  }
  if (
    (types.has('number') || types.has('integer')) &&
    /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)
  ) {
    const n = Number(text);
    if (Number.isFinite(n) && (types.has('number') || Number.isInteger(n))) return n;
  }
  return undefined;
}

/** True when the highest source that sets `path` is a `.properties` file. */
function fromProperties(path: readonly string[], sources: readonly SourceLike[]): boolean {
  for (const source of sources) {
    let cur: unknown = source.config;
    for (const key of path) {
      if (cur === null || typeof cur !== 'object') {
        cur = undefined;
        break;
      }
      cur = Object.hasOwn(cur, key) ? (cur as Record<string, unknown>)[key] : undefined;
    }
    if (cur !== undefined) return source.file.endsWith('.properties');
  }
  return false;
}

function typesOf(schema: Schema): string[] {
  const t = schema.type;
  if (typeof t === 'string') return [t];
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
}

/** The schema and every schema it stands for through `$ref` and `allOf`/`anyOf`/`oneOf`. */
function expand(root: Schema, schema: Schema, hops = 0): Schema[] {
  if (hops > MAX_SCHEMA_HOPS) return [];
  const out: Schema[] = [schema];
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/')) {
    let target: unknown = root;
    for (const part of ref.slice(2).split('/'))
      target = isObject(target)
        ? (target as Schema)[part.replace(/~1/g, '/').replace(/~0/g, '~')]
        : undefined;
    if (isObject(target)) out.push(...expand(root, target as Schema, hops + 1));
  }
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const list = schema[key];
    if (Array.isArray(list))
      for (const s of list) if (isObject(s)) out.push(...expand(root, s as Schema, hops + 1));
  }
  return out;
}

function propertySchemas(root: Schema, schema: Schema, key: string): Schema[] {
  const props = schema.properties;
  if (isObject(props) && isObject((props as Schema)[key]) && Object.hasOwn(props, key))
    return expand(root, (props as Schema)[key] as Schema);
  const extra = schema.additionalProperties;
  return isObject(extra) ? expand(root, extra as Schema) : [];
}

function itemSchemas(root: Schema, schema: Schema, index: number): Schema[] {
  const prefix = schema.prefixItems;
  if (Array.isArray(prefix) && isObject(prefix[index]))
    return expand(root, prefix[index] as Schema);
  const items = schema.items;
  return isObject(items) ? expand(root, items as Schema) : [];
}
