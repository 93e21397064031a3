import type { ConfigObject } from '@hotconf/client';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Problem } from '../errors.js';
import { isObject } from './merge.js';

/** A config file parsed once per blob id. */
export type ParsedFile = { ok: true; config: ConfigObject } | { ok: false; problem: Problem };

// yaml's own uniqueKeys check is quadratic in a map's size (seconds for a 1 MB file);
// duplicateKey below does the same check in one pass.
const YAML_OPTIONS = { prettyErrors: false, uniqueKeys: false, maxAliasCount: 100 } as const;

/** The first key written twice in the same map, with where it is, or undefined. */
function duplicateKey(node: unknown): { key: string; pos: number } | undefined {
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      if (isScalar(pair.key)) {
        const key = String(pair.key.value);
        if (seen.has(key)) return { key, pos: pair.key.range?.[0] ?? 0 };
        seen.add(key);
      }
      const inner = duplicateKey(pair.value);
      if (inner) return inner;
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const inner = duplicateKey(item);
      if (inner) return inner;
    }
  }
  return undefined;
}

/**
 * Parses a YAML or JSON config file (JSON is parsed as YAML, which it is a subset of, so
 * its errors carry lines too). The top level must be a map; an empty file is `{}`.
 */
export function parseConfigFile(file: string, text: string): ParsedFile {
  if (file.endsWith('.json')) {
    // JSON.parse is many times faster than a YAML parse; YAML only to explain a failure.
    try {
      const value: unknown = JSON.parse(text);
      if (isObject(value)) return { ok: true, config: value };
    } catch {
      // fall through: the YAML parser says where it broke
    }
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter: lines });
  const error = doc.errors[0];
  if (error) {
    const line = lines.linePos(error.pos[0]).line;
    const reason =
      error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'syntax error';
    return {
      ok: false,
      problem: { file, path: '', line, message: `${file} line ${line}: ${reason}` },
    };
  }
  const dup = duplicateKey(doc.contents);
  if (dup) {
    const line = lines.linePos(dup.pos).line;
    return {
      ok: false,
      problem: {
        file,
        path: '',
        line,
        message: `${file} line ${line}: key "${dup.key.slice(0, 80)}" appears twice in the same map`,
      },
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (e) {
    return { ok: false, problem: { file, path: '', message: `${file}: ${(e as Error).message}` } };
  }
  if (!isObject(value)) {
    return {
      ok: false,
      problem: {
        file,
        path: '',
        line: 1,
        message: `${file} must hold a map of settings at the top level`,
      },
    };
  }
  return { ok: true, config: value };
}

/**
 * The 1-based line where `path` (keys and array indexes) is written in a YAML/JSON text,
 * or undefined. Used only when reporting a rejection, so it re-parses rather than keeping
 * every file's syntax tree in memory.
 */
export function lineOf(text: string, path: readonly (string | number)[]): number | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter: lines });
  let node: unknown = doc.contents;
  let at: number | undefined = (doc.contents as Node | null)?.range?.[0];
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key),
      );
      if (!pair) return at === undefined ? undefined : lines.linePos(at).line;
      at = (pair.key as Node).range?.[0] ?? at;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (!item) break;
      at = item.range?.[0] ?? at;
      node = item;
    } else {
      break;
    }
  }
  return at === undefined ? undefined : lines.linePos(at).line;
}
