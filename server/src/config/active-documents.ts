import type { ParsedDocument, ParsedFile } from './parse-file.js';

/** The documents of a file that apply to `active`, later documents first (they win). */
export function activeDocuments(
  parsed: Extract<ParsedFile, { ok: true }>,
  active: ReadonlySet<string>,
): ParsedDocument[] {
  const out: ParsedDocument[] = [];
  for (let i = parsed.documents.length - 1; i >= 0; i--) {
    const doc = parsed.documents[i] as ParsedDocument;
    if (doc.activation === 'always' || (doc.activation !== 'never' && doc.activation(active)))
      out.push(doc);
  }
  return out;
}
