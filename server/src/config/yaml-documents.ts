import type { JsonValue } from '@hotconf/client';
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node,
} from 'yaml';
import {
  DocumentBuilder,
  KeyError,
  MAX_DEPTH,
  splitKey,
  type RawDocument,
  type Segment,
} from './nest-entries.js';

/** Options every YAML parse in hotconf uses: YAML 1.2 core schema, Spring's `<<` merge keys. */
export const YAML_OPTIONS = {
  prettyErrors: false,
  uniqueKeys: false,
  merge: true,
  strict: false,
} as const;

/** Files with more documents than this are rejected rather than served. */
export const MAX_DOCUMENTS = 1_000;

/** A YAML problem with the line it is on, in our own words. */
export class YamlProblem extends Error {
  constructor(
    message: string,
    readonly line: number | undefined,
  ) {
    super(message);
  }
}

/**
 * Reads every `---` document of a YAML (or JSON) text into nested maps, as Spring's
 * `OriginTrackedYamlLoader` does: dotted keys nest (`a.b: 1` is `a: {b: 1}`), `[x.y]` keeps
 * its dots, `<<` merges, empty documents are skipped. Aliases are expanded while counting
 * the bytes they produce, so a small file cannot become a huge document; nesting deeper
 * than {@link MAX_DEPTH} is refused before it is walked, so no file can exhaust the stack.
 * @throws YamlProblem or KeyError with a line.
 */
export function readYamlDocuments(text: string, maxBytes: number): RawDocument[] {
  const lines = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter: lines }) as Document.Parsed[];
  } catch (e) {
    if (e instanceof RangeError)
      throw new YamlProblem(`nests deeper than ${MAX_DEPTH} levels`, undefined);
    throw e;
  }
  if (!Array.isArray(docs)) return [];
  if (docs.length > MAX_DOCUMENTS) {
    const start = docs[MAX_DOCUMENTS]?.range[0] ?? 0;
    throw new YamlProblem(
      `has ${docs.length} documents; at most ${MAX_DOCUMENTS} are allowed in one file: split it`,
      lines.linePos(start).line,
    );
  }
  const lineAt = (node: { range?: readonly number[] | null | undefined } | null | undefined) =>
    node?.range ? lines.linePos(node.range[0] as number).line : undefined;
  const out: RawDocument[] = [];
  let budget = maxBytes;
  docs.forEach((doc) => {
    const error = doc.errors[0];
    if (error && /call stack/i.test(error.message))
      throw new YamlProblem(
        `nests deeper than ${MAX_DEPTH} levels`,
        lines.linePos(error.pos[0]).line,
      );
    if (error) {
      throw new YamlProblem(
        `is not valid YAML: ${ourWords(error.code, error.message)}`,
        lines.linePos(error.pos[0]).line,
      );
    }
    const contents = doc.contents as Node | null;
    if (contents === null || (isScalar(contents) && contents.value === null)) return;
    if (!isMap(contents) && !(isAlias(contents) && isMap(contents.resolve(doc)))) {
      throw new YamlProblem('must hold a map of settings at the top level', lineAt(contents));
    }
    // Aliases first, without expanding them: a small file that repeats an anchor a million
    // times is refused in one linear pass instead of being built and then refused.
    if (expandedSize(contents, doc, new Map(), 0) > budget)
      throw tooBig(maxBytes, lineAt(contents));
    const builder = new DocumentBuilder();
    const walk = (node: unknown, path: Segment[], origin: { key: string; line?: number }) => {
      if (path.length > MAX_DEPTH)
        throw new KeyError(`nests deeper than ${MAX_DEPTH} levels`, origin.line);
      budget -= 8;
      if (budget < 0) throw tooBig(maxBytes, origin.line);
      if (isAlias(node)) {
        const target = node.resolve(doc);
        if (!target)
          throw new KeyError(
            `alias "*${node.source.slice(0, 40)}" names no anchor: define "&${node.source.slice(0, 40)}" above it`,
            lineAt(node) ?? origin.line,
          );
        walk(target, path, origin);
      } else if (isMap(node)) {
        if (node.items.length === 0 && path.length > 0) builder.set(path, {}, origin);
        const merges: unknown[] = [];
        const seen = new Set<string>();
        for (const pair of node.items) {
          const key = pair.key as Node | null;
          if (isScalar(key) && typeof key.value === 'symbol') {
            merges.push(pair.value);
            continue;
          }
          if (!isScalar(key)) {
            throw new KeyError(
              'uses a map or list as a key: keys must be plain text',
              lineAt(key) ?? origin.line,
            );
          }
          const name = String(key.value);
          budget -= name.length;
          const at = { key: name, line: lineAt(key) };
          if (seen.has(name))
            throw new KeyError(`key "${name.slice(0, 80)}" appears twice in the same map`, at.line);
          seen.add(name);
          walk(pair.value, [...path, ...splitKey(name, at)], at);
        }
        // `<<: *defaults` fills in only what the map does not set itself (YAML merge keys).
        for (const merged of merges) {
          const list = isSeq(merged) ? merged.items : [merged];
          for (const item of list) walkMerge(item, path);
        }
      } else if (isSeq(node)) {
        if (node.items.length === 0) builder.set(path, [], origin);
        node.items.forEach((item, i) => walk(item, [...path, i], origin));
      } else if (isScalar(node)) {
        builder.set(path, scalarValue(node.value, node.source, origin.line), origin);
        if (typeof node.value === 'string') budget -= node.value.length;
      } else if (node === null || node === undefined) {
        builder.set(path, null, origin);
      } else {
        throw new KeyError('holds a value hotconf cannot read', origin.line);
      }
    };
    const walkMerge = (item: unknown, path: Segment[]) => {
      const target = isAlias(item) ? item.resolve(doc) : item;
      if (!isMap(target)) throw new KeyError('"<<" must merge a map', lineAt(item as Node));
      for (const pair of target.items) {
        if (!isScalar(pair.key)) continue;
        const name = String(pair.key.value);
        const at = { key: name, line: lineAt(pair.key) };
        try {
          walk(pair.value, [...path, ...splitKey(name, at)], at);
        } catch (e) {
          // A key the map sets itself wins over the merged one.
          if (!(e instanceof KeyError) || !/both set/.test(e.message)) throw e;
        }
      }
    };
    walk(contents, [], { key: '(document)', line: lineAt(contents) });
    // Spring numbers only the documents it loaded: empty ones take no number.
    out.push({ index: out.length, line: lineAt(contents) ?? 1, config: builder.build() });
  });
  return out;
}

/**
 * About how many bytes of JSON a node becomes once its aliases are expanded, computed on
 * the syntax tree with each anchored node sized once (memo). Past {@link MAX_DEPTH} and
 * on a cycle it stops counting: the walk refuses those with their own message.
 */
function expandedSize(
  node: unknown,
  doc: Document.Parsed,
  memo: Map<unknown, number>,
  depth: number,
): number {
  if (depth > MAX_DEPTH + 1 || node === null || typeof node !== 'object') return 8;
  const known = memo.get(node);
  if (known !== undefined) return known;
  memo.set(node, 8); // a cycle counts as a leaf here
  let size = 8;
  if (isAlias(node)) size = expandedSize(node.resolve(doc), doc, memo, depth);
  else if (isMap(node)) {
    for (const pair of node.items) {
      size += 8 + (isScalar(pair.key) ? String(pair.key.value).length : 0);
      size += expandedSize(pair.value, doc, memo, depth + 1);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) size += expandedSize(item, doc, memo, depth + 1);
  } else if (isScalar(node) && typeof node.value === 'string') size += node.value.length;
  // Sizes saturate: a billion-laughs file would overflow to Infinity harmlessly anyway.
  memo.set(node, size);
  return size;
}

function tooBig(maxBytes: number, line: number | undefined): KeyError {
  return new KeyError(
    `expands to more than ${maxBytes} bytes (HOTCONF_MAX_DOCUMENT_BYTES), counting what its aliases repeat`,
    line,
  );
}

/** A scalar as JSON can carry it; `.inf`, `.nan` and `1e400` are refused. */
export function scalarValue(value: unknown, source: string | undefined, line?: number): JsonValue {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new KeyError(
      `"${(source ?? String(value)).slice(0, 40)}" is a number JSON cannot carry: quote it if you mean text`,
      line,
    );
  }
  if (typeof value === 'bigint') return Number(value);
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value))
    return value as JsonValue;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return String(value as string);
}

// What each of the YAML library's error codes means, said our way, with what to do.
const YAML_ERRORS: Record<string, string> = {
  BAD_INDENT:
    'the indentation does not line up: indent nested keys further than their parent, with spaces',
  TAB_AS_INDENT: 'a tab is used for indentation: YAML needs spaces',
  BLOCK_AS_IMPLICIT_KEY:
    'a key is followed by another "key:" on the same line: put the nested key on its own line, or quote the value',
  MISSING_CHAR: 'a quote or bracket is not closed: close it on this line',
  UNEXPECTED_TOKEN:
    'unexpected text: check the indentation and that lists and maps are not mixed at one level',
  BAD_SCALAR_START: 'a value starts with a reserved character (@ or `): quote the value',
  MULTIPLE_DOCS: 'unexpected content after the document: separate documents with a "---" line',
  DUPLICATE_KEY: 'a key appears twice in the same map: keep one',
  BAD_ALIAS: 'an alias is not valid: write "*name" for an anchor "&name" defined above',
  ALIAS_PROPS: 'an alias cannot carry an anchor or a tag: remove them',
  BAD_DIRECTIVE: 'a "%" directive is not valid: remove it',
  IMPOSSIBLE: 'the text cannot be read as YAML: check this line',
  KEY_OVER_1024_CHARS: 'a key is longer than 1024 characters: shorten it',
};

/** The YAML library's error, in our words: never its advice about its own API. */
function ourWords(code: string, message: string): string {
  const known = YAML_ERRORS[code];
  if (known) return known;
  const first = (message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
  const cleaned = first.replace(/;?\s*please use [^.]*\.?/gi, '').trim();
  return `${cleaned || 'syntax error'}: check the syntax on this line`;
}
