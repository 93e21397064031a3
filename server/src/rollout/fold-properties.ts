import type { ConfigObject } from '@hotconf/client';
import { escapeProperty, flatten } from '../config/flatten.js';
import {
  parseProperties,
  PropertiesSyntaxError,
  type PropertyEntry,
} from '../config/properties-parser.js';

/**
 * Folds a canary overlay into a `.properties` file's text with the merge rule the resolver
 * uses (maps deeply, arrays and scalars whole). Each overlay key replaces the lines that set
 * it, anything below it (`db.pool` replaces `db.pool.max`; a list replaces `list[0]`…) and a
 * scalar above it (`db.pool.max` replaces a `db.pool` line); its new lines go where the first
 * replaced line stood, else at the end. Comments, blank lines and every other line stay as
 * written. @throws Error saying why the file cannot be folded into.
 */
export function foldIntoProperties(text: string, overlay: ConfigObject): string {
  let entries: PropertyEntry[];
  try {
    const docs = parseProperties(text);
    if (docs.length > 1) {
      throw new Error(
        'the document file holds several documents (#---); fold the overlay into the right one by hand',
      );
    }
    entries = docs[0]?.entries ?? [];
  } catch (error) {
    if (!(error instanceof PropertiesSyntaxError)) throw error;
    throw new Error(
      `the document file is not valid at line ${error.line}; fix it before promoting`,
    );
  }
  // Natural lines and what ended each, so the file keeps its own line endings.
  const parts = text.split(/(\r\n|\r|\n)/);
  const lines: { text: string; end: string }[] = [];
  for (let i = 0; i < parts.length; i += 2)
    lines.push({ text: parts[i] ?? '', end: parts[i + 1] ?? '' });

  const flat = flatten(overlay);
  const byRoot = new Map<string, string[]>();
  for (const [key, value] of Object.entries(flat)) {
    const line = `${escapeProperty(key, true)}=${escapeProperty(String(value ?? ''), false)}`;
    const root = rootOf(key);
    byRoot.set(root, [...(byRoot.get(root) ?? []), line]);
  }

  // Line numbers (0-based) each replaced entry spans, and the root that replaces it.
  const replaced = new Map<number, string>();
  const firstLineOf = new Map<string, number>();
  for (const entry of entries) {
    const root = [...byRoot.keys()].find((r) => overlaps(entry.key, r));
    if (root === undefined) continue;
    const first = entry.line - 1;
    if (!firstLineOf.has(root) || first < (firstLineOf.get(root) as number))
      firstLineOf.set(root, first);
    for (let n = first; n < lines.length; n++) {
      replaced.set(n, root);
      if (!continues(lines[n]?.text ?? '')) break;
    }
  }

  const out: string[] = [];
  const newline = lines.find((l) => l.end !== '')?.end ?? '\n';
  lines.forEach((line, n) => {
    const root = replaced.get(n);
    if (root === undefined) {
      out.push(line.text + line.end);
      return;
    }
    if (firstLineOf.get(root) === n) {
      for (const added of byRoot.get(root) ?? []) out.push(added + newline);
      byRoot.delete(root);
    }
  });
  const rest = [...byRoot.values()].flat();
  if (rest.length > 0) {
    const last = out.length > 0 ? (out[out.length - 1] as string) : '';
    if (last !== '' && !/[\r\n]$/.test(last)) out.push(newline);
    for (const added of rest) out.push(added + newline);
  }
  return out.join('');
}

/** The key an overlay entry replaces whole: a list's own key for each of its items. */
function rootOf(key: string): string {
  const index = key.search(/\[\d+\]/);
  return index < 0 ? key : key.slice(0, index);
}

/** True when a file's `key` is `root`, lies below it, or is a scalar above it. */
function overlaps(key: string, root: string): boolean {
  return key === root || below(key, root) || below(root, key);
}

function below(key: string, parent: string): boolean {
  return key.startsWith(`${parent}.`) || key.startsWith(`${parent}[`);
}

/** A natural line that ends in an odd number of backslashes continues on the next. */
function continues(line: string): boolean {
  const trailing = /\\*$/.exec(line)?.[0].length ?? 0;
  return trailing % 2 === 1;
}
