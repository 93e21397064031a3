import type { ConfigObject } from '@hotconf/client';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Problem } from '../errors.js';
import { isObject } from './merge.js';

/** A config file parsed once per blob id. */
export type ParsedFile = { ok: true; config: ConfigObject } | { ok: false; problem: Problem };

const YAML_OPTIONS = { prettyErrors: false, uniqueKeys: true, maxAliasCount: 100 } as const;

/**
 * Parses a YAML or JSON config file (JSON is parsed as YAML, which it is a subset of, so
 * its errors carry lines too). The top level must be a map; an empty file is `{}`.
 */
export function parseConfigFile(file: string, text: string): ParsedFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter: lines });
  const error = doc.errors[0];
  if (error) {
    const line = lines.linePos(error.pos[0]).line;
    const reason = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'syntax error';
    return { ok: false, problem: { file, path: '', line, message: `${file} line ${line}: ${reason}` } };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (e) {
    return { ok: false, problem: { file, path: '', message: `${file}: ${(e as Error).message}` } };
  }
  if (!isObject(value)) {
    return { ok: false, problem: { file, path: '', line: 1, message: `${file} must hold a map of settings at the top level` } };
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
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
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
