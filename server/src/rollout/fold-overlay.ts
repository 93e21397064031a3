import type { ConfigObject, JsonValue } from '@hotconf/client';
import { isMap, isScalar, parseDocument, type Document, type YAMLMap } from 'yaml';
import { isObject } from '../config/merge.js';

/**
 * Folds a canary overlay into a YAML config file's text with the merge rule the resolver
 * uses (maps deeply, arrays and scalars whole), keeping the file's comments, key order
 * and Spring-style dotted keys (`db.pool.max: 10` is updated where it stands).
 */
export function foldIntoYaml(text: string, overlay: ConfigObject): string {
  const doc: Document = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new Error('the document file is not valid YAML; fix it before promoting');
  }
  if (!isMap(doc.contents)) {
    if (doc.contents !== null && !(isScalar(doc.contents) && doc.contents.value === null)) {
      throw new Error('the document file is not a map; fix it before promoting');
    }
    doc.contents = doc.createNode({}) as YAMLMap;
  }
  for (const [path, value] of leaves(overlay, []))
    setLeaf(doc, doc.contents as YAMLMap, path, value);
  return doc.toString();
}

/** Every path the overlay sets: down to scalars, arrays and empty maps, which replace whole. */
function* leaves(value: ConfigObject, at: string[]): Generator<[string[], JsonValue]> {
  for (const [key, inner] of Object.entries(value)) {
    if (isObject(inner) && Object.keys(inner).length > 0) yield* leaves(inner, [...at, key]);
    else yield [[...at, key], inner];
  }
}

/** Sets one leaf below `map`, matching existing keys that spell several segments at once. */
function setLeaf(doc: Document, map: YAMLMap, path: string[], value: JsonValue): void {
  let dottedSibling = false;
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key === undefined) continue;
    const parts = key.split('.');
    if (parts.length > 1 && parts[0] === path[0]) dottedSibling = true;
    if (parts.length > path.length || parts.some((part, i) => part !== path[i])) continue;
    const rest = path.slice(parts.length);
    if (rest.length === 0) {
      // A scalar over a scalar keeps its node, and with it the comment beside it.
      if (isScalar(pair.value) && (value === null || typeof value !== 'object')) {
        pair.value.value = value;
      } else {
        pair.value = doc.createNode(value);
      }
    } else if (isMap(pair.value)) {
      setLeaf(doc, pair.value, rest, value);
    } else {
      // A scalar where the overlay has a map: the map replaces it, as in the merge.
      pair.value = doc.createNode(nest(rest, value));
    }
    return;
  }
  // A new key follows the file's style: dotted beside dotted keys, nested otherwise.
  if (dottedSibling) map.add(doc.createPair(path.join('.'), value));
  else map.add(doc.createPair(path[0], doc.createNode(nest(path.slice(1), value))));
}

function nest(path: string[], value: JsonValue): JsonValue {
  return path.reduceRight<JsonValue>((inner, key) => ({ [key]: inner }), value);
}
