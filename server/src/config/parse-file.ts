import type { ConfigObject } from '@hotconf/client';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import type { Problem } from '../errors.js';
import { readJsonDocument } from './json-document.js';
import { mergeDocuments } from './merge.js';
import { DocumentBuilder, KeyError, splitKey, type RawDocument } from './nest-entries.js';
import {
  parseProfileList,
  ProfileExpressionError,
  type ProfileMatcher,
} from './profile-expression.js';
import { parseProperties, PropertiesSyntaxError } from './properties-parser.js';
import { readYamlDocuments, YAML_OPTIONS, YamlProblem } from './yaml-documents.js';

/** Default expanded-size limit of one file's documents (HOTCONF_MAX_DOCUMENT_BYTES). */
export const DEFAULT_MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

/** When a document of a file applies (Spring Boot's `spring.config.activate.*`). */
export type Activation = 'always' | 'never' | ProfileMatcher;

/** One document of a config file, nested, with when it applies. */
export interface ParsedDocument {
  /** Position in the file from 0: Spring's `(document #N)`. */
  index: number;
  line: number;
  config: ConfigObject;
  activation: Activation;
}

/**
 * A config file parsed once per blob id. `documents` is empty for a `.json` file that is
 * not a map (not config). `multi`: the file has more than one document, so Spring names
 * each source `… (document #N)`. `config` merges every document (for key listings).
 */
export type ParsedFile =
  | { ok: true; documents: ParsedDocument[]; multi: boolean; config: ConfigObject }
  | { ok: false; problem: Problem };

/** Limits applied while parsing. */
export interface ParseLimits {
  /** Bytes a file's documents may expand to. Default 10 MB. */
  maxDocumentBytes?: number;
}

/**
 * Parses a YAML, JSON or `.properties` config file into its documents (DESIGN §2, §2a, §3).
 * Never throws for bad content: a problem names the file, the line and what to do.
 */
export function parseConfigFile(file: string, text: string, limits: ParseLimits = {}): ParsedFile {
  const max = limits.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  let raw: RawDocument[];
  try {
    if (file.endsWith('.properties')) raw = readPropertiesDocuments(text, max);
    else if (file.endsWith('.json')) raw = readJsonDocument(text, max);
    else raw = readYamlDocuments(text, max);
    const documents = raw.map((d) => ({ ...d, activation: activationOf(d) }));
    const config =
      documents.length === 1
        ? (documents[0] as ParsedDocument).config
        : mergeDocuments(documents.map((d) => d.config).reverse());
    return { ok: true, documents, multi: raw.length > 1, config };
  } catch (e) {
    if (
      e instanceof KeyError ||
      e instanceof YamlProblem ||
      e instanceof PropertiesSyntaxError ||
      e instanceof ProfileExpressionError
    ) {
      const line = (e as { line?: number }).line;
      const where = line === undefined ? file : `${file} line ${line}`;
      const problem: Problem = { file, path: '', message: `${where}: ${e.message}` };
      if (line !== undefined) problem.line = line;
      return { ok: false, problem };
    }
    if (e instanceof RangeError) {
      return {
        ok: false,
        problem: {
          file,
          path: '',
          message: `${file}: nests too deeply to read (at most 64 levels)`,
        },
      };
    }
    throw e;
  }
}

function readPropertiesDocuments(text: string, max: number): RawDocument[] {
  if (text.length > max)
    throw new KeyError(`is larger than ${max} bytes (HOTCONF_MAX_DOCUMENT_BYTES)`);
  const docs = parseProperties(text);
  const out: RawDocument[] = [];
  docs.forEach((doc, index) => {
    // Spring Boot skips documents with no properties (`#---` at the end, or twice).
    if (doc.entries.length === 0) return;
    const builder = new DocumentBuilder();
    for (const entry of doc.entries) {
      const origin = { key: entry.key, line: entry.line };
      builder.set(splitKey(entry.key, origin), entry.value, origin);
    }
    const activation = doc.entries.find(
      (e) => e.key === 'spring.config.activate.on-profile' || e.key === 'spring.profiles',
    );
    out.push({ index, line: doc.line, config: builder.build(), activationLine: activation?.line });
  });
  // Spring numbers the documents it loaded, so empty ones take no number.
  return out.map((d, i) => ({ ...d, index: i }));
}

function child(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * `spring.config.activate.on-profile` (or the legacy `spring.profiles`) restricts a
 * document to matching profiles; `on-cloud-platform` documents never apply here: hotconf
 * runs on no cloud platform that Spring would detect.
 */
function activationOf(doc: RawDocument): Activation {
  const spring = child(doc.config, 'spring');
  const activate = child(child(spring, 'config'), 'activate');
  if (child(activate, 'on-cloud-platform') !== undefined) return 'never';
  const expression = child(activate, 'on-profile') ?? child(spring, 'profiles');
  if (expression === undefined) return 'always';
  try {
    return parseProfileList(expression);
  } catch (e) {
    throw new KeyError(
      `${(e as Error).message} (in spring.config.activate.on-profile)`,
      doc.activationLine ?? doc.line,
    );
  }
}

/**
 * The 1-based line where `path` (keys and array indexes) is written in a config file's
 * text, or undefined. Used only when reporting a rejection, so it re-parses rather than
 * keeping every file's syntax tree in memory. Dotted keys (`a.b: 1`, `a.b=1`) match.
 */
export function lineOf(
  text: string,
  path: readonly (string | number)[],
  file = '',
  document?: number,
): number | undefined {
  const wanted = path.map(String);
  if (file.endsWith('.properties')) {
    let best: { line: number; depth: number } | undefined;
    try {
      const docs = parseProperties(text);
      for (const doc of document === undefined
        ? docs
        : docs.filter((d) => d.entries.length > 0).slice(document, document + 1)) {
        for (const entry of doc.entries) {
          const segs = splitKey(entry.key, { key: entry.key }).map(String);
          let depth = 0;
          while (depth < segs.length && segs[depth] === wanted[depth]) depth++;
          if (
            depth > 0 &&
            (depth === segs.length || depth === wanted.length) &&
            (!best || depth > best.depth || depth === best.depth)
          )
            best = { line: entry.line, depth };
        }
      }
    } catch {
      return undefined;
    }
    return best?.line;
  }
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter: lines });
  if (!Array.isArray(docs)) return undefined;
  const candidates = docs.filter((d) => d.contents !== null);
  const doc = candidates[document ?? 0] ?? docs[0];
  let node: unknown = doc?.contents;
  let at: number | undefined = (node as Node | null)?.range?.[0];
  let k = 0;
  while (k < wanted.length) {
    if (isMap(node)) {
      let found: { len: number; pair: (typeof node.items)[number] } | undefined;
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const name = String(pair.key.value);
        let segs: string[];
        try {
          segs = splitKey(name, { key: name }).map(String);
        } catch {
          continue;
        }
        if (segs.every((s, i) => wanted[k + i] === s) && (!found || segs.length > found.len))
          found = { len: segs.length, pair };
      }
      if (!found) break;
      at = (found.pair.key as Node).range?.[0] ?? at;
      node = found.pair.value;
      k += found.len;
    } else if (isSeq(node) && /^\d+$/.test(wanted[k] as string)) {
      const item = node.items[Number(wanted[k])] as Node | undefined;
      if (!item) break;
      at = item.range?.[0] ?? at;
      node = item;
      k++;
    } else break;
  }
  return at === undefined ? undefined : lines.linePos(at).line;
}
