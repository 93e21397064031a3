import type { ConfigObject } from '@hotconf/client';
import type { ErrorObject } from 'ajv/dist/2020.js';

/**
 * What the schema sees instead of the n-th decrypted secret: a string that depends only
 * on its position, so the verdict is the same whatever the secret is. Were the gate to
 * look at the real value, a committer without the key could add `"pattern": "^a"` and
 * read the answer off the rejection counter, one character at a time (issue 13, item 3).
 * Distinct per position, so `uniqueItems` over a list of secrets still passes.
 */
export function secretPlaceholder(n: number): string {
  return `{secret#${n + 1}}`;
}

/** Keywords that look inside a string: never applied to a secret (DESIGN §7). */
const CONTENT_KEYWORDS = new Set([
  'pattern',
  'enum',
  'const',
  'format',
  'minLength',
  'maxLength',
  'contentEncoding',
  'contentMediaType',
  'contentSchema',
]);

/** A copy of a document to validate, with its secrets hidden. */
export interface MaskedDocument {
  /** The copy the schema validates (ajv fills defaults into it). */
  copy: ConfigObject;
  /** True for an error a content keyword raised on the placeholder: not the document's fault. */
  ignores(error: ErrorObject): boolean;
  /** The validated copy with the real secrets put back: what is served. */
  restore(): ConfigObject;
}

function pointerOf(path: readonly string[]): string {
  return path.map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Sets `value` at `path` of `root`; the path is known to exist (the resolver found it). */
function setAt(root: ConfigObject, path: readonly string[], value: unknown): unknown {
  let cur = root as Record<string, unknown>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  const last = path[path.length - 1] as string;
  const old = cur[last];
  cur[last] = value;
  return old;
}

/**
 * Copies `config` and replaces each value at `secrets` (paths of decrypted values) by
 * the placeholder. Type checks still apply (a secret is a string); content keywords at a
 * secret's own path are ignored; keywords elsewhere that look at it (`if`, `oneOf`) see
 * only the placeholder, so they cannot tell one secret from another either.
 */
export function withoutSecrets(
  config: ConfigObject,
  secrets: readonly (readonly string[])[],
): MaskedDocument {
  const copy = structuredClone(config);
  if (secrets.length === 0) return { copy, ignores: () => false, restore: () => copy };
  const clear = secrets.map((path, n) => setAt(copy, path, secretPlaceholder(n)));
  const pointers = new Set(secrets.map(pointerOf));
  return {
    copy,
    ignores: (error) => pointers.has(error.instancePath) && CONTENT_KEYWORDS.has(error.keyword),
    restore: () => {
      secrets.forEach((path, i) => setAt(copy, path, clear[i]));
      return copy;
    },
  };
}
