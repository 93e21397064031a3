import {
  DocumentBuilder,
  KeyError,
  MAX_DEPTH,
  splitKey,
  type RawDocument,
  type Segment,
} from './nest-entries.js';
import { scalarValue } from './yaml-documents.js';

/**
 * Reads a `.json` config file. Valid JSON that is not an object is not config (DESIGN §2a:
 * it may be a plain-text file) and yields no document. Keys written twice in one object and
 * nesting deeper than {@link MAX_DEPTH} are refused with their line (JSON.parse would keep
 * the last duplicate silently); dotted keys nest as in YAML.
 * @throws KeyError with a line.
 */
export function readJsonDocument(text: string, maxBytes: number): RawDocument[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    if (!/^\s*\{/.test(text)) return [];
    const message = (e as Error).message;
    const pos = /position (\d+)/.exec(message);
    const line = pos ? lineAtOffset(text, Number(pos[1])) : undefined;
    const reason = message
      .replace(/\s*(in JSON )?at position \d+.*$/, '')
      .replace(/^JSON\.parse: /, '');
    throw new KeyError(`is not valid JSON: ${reason}`, line);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  scanStructure(text);
  const builder = new DocumentBuilder();
  let budget = maxBytes;
  const walk = (node: unknown, path: Segment[], key: string) => {
    budget -= 8;
    if (budget < 0)
      throw new KeyError(`is larger than ${maxBytes} bytes (HOTCONF_MAX_DOCUMENT_BYTES)`);
    if (Array.isArray(node)) {
      if (node.length === 0) builder.set(path, [], { key });
      node.forEach((item, i) => walk(item, [...path, i], key));
    } else if (typeof node === 'object' && node !== null) {
      const entries = Object.entries(node);
      if (entries.length === 0 && path.length > 0) builder.set(path, {}, { key });
      for (const [k, v] of entries) {
        budget -= k.length;
        walk(v, [...path, ...splitKey(k, { key: k })], k);
      }
    } else {
      if (typeof node === 'string') budget -= node.length;
      builder.set(path, scalarValue(node, undefined), { key });
    }
  };
  walk(value, [], '(document)');
  return [{ index: 0, line: 1, config: builder.build() }];
}

function lineAtOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * One pass over valid JSON text: refuses a key written twice in the same object and
 * nesting deeper than {@link MAX_DEPTH}, each with its line. Iterative.
 */
function scanStructure(text: string): void {
  const stack: (Set<string> | null)[] = [];
  let line = 1;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      stack.push(c === 123 ? new Set() : null);
      if (stack.length > MAX_DEPTH + 1)
        throw new KeyError(`nests deeper than ${MAX_DEPTH} levels`, line);
      expectKey = c === 123;
    } else if (c === 125 || c === 93) {
      stack.pop();
      expectKey = false;
    } else if (c === 44 /* , */) {
      expectKey = stack[stack.length - 1] instanceof Set;
    } else if (c === 34 /* " */) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 34) j += text.charCodeAt(j) === 92 ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const keys = stack[stack.length - 1] as Set<string>;
        if (keys.has(key))
          throw new KeyError(`key "${key.slice(0, 80)}" appears twice in the same object`, line);
        keys.add(key);
        expectKey = false;
      }
      i = j;
    }
  }
}
