/** One `key=value` of a `.properties` file, with the line its logical line starts on. */
export interface PropertyEntry {
  key: string;
  value: string;
  line: number;
}

/** A `.properties` document: Spring Boot splits a file at `#---` / `!---` lines. */
export interface PropertiesDocument {
  entries: PropertyEntry[];
  /** Line of the document's first line (1 for the first document). */
  line: number;
}

/** A problem found while reading a `.properties` file. */
export class PropertiesSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const WHITESPACE = new Set([' ', '\t', '\f']);
const ESCAPES: Record<string, string> = { t: '\t', r: '\r', n: '\n', f: '\f' };

/**
 * Reads a `.properties` text as `java.util.Properties.load` does (Javadoc of
 * `Properties.load(Reader)`), plus Spring Boot's `#---`/`!---` document separators
 * (`OriginTrackedPropertiesLoader`). Linear in the text; no recursion.
 *
 * - natural lines end at `\n`, `\r` or `\r\n`; leading whitespace (space, tab, form feed)
 *   is skipped; blank lines and lines whose first non-blank character is `#` or `!` are
 *   comments (a comment never continues onto the next line);
 * - a line ending in an odd number of backslashes continues on the next natural line,
 *   whose leading whitespace is dropped; at the end of the text the backslash is dropped;
 * - the key ends at the first unescaped `=`, `:` or whitespace; whitespace, then one
 *   optional `=`/`:`, then whitespace separate it from the value;
 * - `\t \n \r \f` and `\uXXXX` are escapes; a backslash before any other character is
 *   dropped (`\=` `\:` `\ ` `\#` keep the character); a malformed `\u` is an error, as in Java.
 * A key written twice keeps its last value, as `Properties` does.
 * @throws PropertiesSyntaxError naming the line of a malformed `\uXXXX`.
 */
export function parseProperties(text: string): PropertiesDocument[] {
  const docs: PropertiesDocument[] = [{ entries: [], line: 1 }];
  const naturals = text.split(/\r\n|\r|\n/);
  let i = 0;
  while (i < naturals.length) {
    const startLine = i + 1;
    const first = stripLeading(naturals[i] as string);
    i++;
    if (first === '') continue;
    if (first[0] === '#' || first[0] === '!') {
      // Spring Boot: a line that is exactly `#---` or `!---` starts a new document.
      if ((first === '#---' || first === '!---') && first === naturals[i - 1]) {
        docs.push({ entries: [], line: startLine });
      }
      continue;
    }
    let logical = first;
    while (endsInOddBackslashes(logical)) {
      logical = logical.slice(0, -1);
      if (i >= naturals.length) break;
      logical += stripLeading(naturals[i] as string);
      i++;
    }
    const doc = docs[docs.length - 1] as PropertiesDocument;
    doc.entries.push(splitEntry(logical, startLine));
  }
  // Later entries of a key replace earlier ones (Hashtable.put), keeping first-seen order.
  return docs.map((d) => ({ line: d.line, entries: lastWins(d.entries) }));
}

function stripLeading(s: string): string {
  let k = 0;
  while (k < s.length && WHITESPACE.has(s[k] as string)) k++;
  return s.slice(k);
}

function endsInOddBackslashes(s: string): boolean {
  let n = 0;
  for (let k = s.length - 1; k >= 0 && s[k] === '\\'; k--) n++;
  return n % 2 === 1;
}

function splitEntry(logical: string, line: number): PropertyEntry {
  let k = 0;
  let keyEnd = logical.length;
  let valueStart = logical.length;
  while (k < logical.length) {
    const c = logical[k] as string;
    if (c === '\\') {
      k += 2;
      continue;
    }
    if (c === '=' || c === ':') {
      keyEnd = k;
      valueStart = k + 1;
      break;
    }
    if (WHITESPACE.has(c)) {
      keyEnd = k;
      valueStart = k + 1;
      // Whitespace, then at most one separator, then whitespace.
      while (valueStart < logical.length && WHITESPACE.has(logical[valueStart] as string))
        valueStart++;
      if (logical[valueStart] === '=' || logical[valueStart] === ':') valueStart++;
      break;
    }
    k++;
  }
  while (valueStart < logical.length && WHITESPACE.has(logical[valueStart] as string)) valueStart++;
  return {
    key: unescape(logical.slice(0, Math.min(keyEnd, logical.length)), line),
    value: unescape(logical.slice(valueStart), line),
    line,
  };
}

function unescape(s: string, line: number): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let k = 0; k < s.length; k++) {
    const c = s[k] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    k++;
    if (k >= s.length) break;
    const e = s[k] as string;
    if (e === 'u') {
      const hex = s.slice(k + 1, k + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new PropertiesSyntaxError(
          line,
          `"\\u${hex.replace(/[^\x20-\x7e]/g, '?')}" is not a \\uXXXX escape: write four hex digits, or "\\\\u" for a literal backslash-u`,
        );
      }
      out += String.fromCharCode(parseInt(hex, 16));
      k += 4;
    } else {
      out += ESCAPES[e] ?? e;
    }
  }
  return out;
}

function lastWins(entries: PropertyEntry[]): PropertyEntry[] {
  const index = new Map<string, number>();
  const out: PropertyEntry[] = [];
  for (const entry of entries) {
    const at = index.get(entry.key);
    if (at === undefined) {
      index.set(entry.key, out.length);
      out.push(entry);
    } else out[at] = entry;
  }
  return out;
}
