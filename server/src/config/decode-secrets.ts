import type { ConfigObject } from '@hotconf/client';
import type { Problem } from '../errors.js';
import type { Source } from './config-resolver.js';
import { lineOf } from './parse-file.js';

/** Where a secret sits: what a decoder checks a bound value against and names in errors. */
export interface SecretSite {
  /** Repository-relative file. */
  file: string;
  /** Dotted key. */
  path: string;
  /** The service whose document is being resolved. */
  service: string;
}

/**
 * Recognises and opens secret strings. Config knows no cipher format: the secrets module
 * implements this, so `config/` and `secrets/` never import each other.
 */
export interface SecretDecoder {
  /** True for a value that must be decrypted (`{cipher}…`). */
  isSecret(value: string): boolean;
  /** The clear value; throws an Error whose message is safe to show (no secret in it). */
  decode(value: string, site: SecretSite): string;
}

/** A decrypted value and where it sat in its file. */
export interface Opened {
  path: string[];
  clear: string;
}

/** Sources with their secrets opened, or the problems (file, line, key) of those that failed. */
export type OpenedSources =
  { ok: true; sources: Source[]; opened: Opened[] } | { ok: false; problems: Problem[] };

/**
 * Replaces secret strings in each source by their clear value, for a document of
 * `service` (bound values check it). Without a decoder, sources are returned as written.
 */
export async function openSecrets(
  sources: Source[],
  service: string,
  options: { secrets?: SecretDecoder | undefined; readBlob(oid: string): Promise<Buffer> },
): Promise<OpenedSources> {
  const decoder = options.secrets;
  if (!decoder) return { ok: true, sources, opened: [] };
  const failed: Problem[] = [];
  const opened: Opened[] = [];
  const decoded = sources.map((source) => {
    let found = false;
    const walk = (value: unknown, path: string[]): unknown => {
      if (typeof value === 'string' && decoder.isSecret(value)) {
        found = true;
        try {
          const clear = decoder.decode(value, { file: source.file, path: path.join('.'), service });
          opened.push({ path, clear });
          return clear;
        } catch (e) {
          failed.push({
            file: source.file,
            path: `/${path.join('/')}`,
            message: `\`${path.join('.')}\` could not be decrypted: ${(e as Error).message}`,
          });
          return value;
        }
      }
      if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, String(i)]));
      if (value && typeof value === 'object') {
        return Object.fromEntries(
          Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]),
        );
      }
      return value;
    };
    const config = walk(source.config, []) as ConfigObject;
    return found ? { ...source, config } : source;
  });
  if (failed.length > 0) return { ok: false, problems: await placed(failed, sources, options) };
  return { ok: true, sources: decoded, opened };
}

/** Adds file and line to secret problems: "… (orders-prod.yml line 6)". */
function placed(
  problems: Problem[],
  sources: Source[],
  options: { readBlob(oid: string): Promise<Buffer> },
): Promise<Problem[]> {
  return Promise.all(
    problems.map(async (problem) => {
      const source = sources.find((s) => s.file === problem.file);
      let line: number | undefined;
      if (source) {
        const text = (await options.readBlob(source.blob)).toString('utf8');
        const keys = problem.path
          .split('/')
          .slice(1)
          .map((k) => (/^\d+$/.test(k) ? Number(k) : k));
        line = lineOf(text, keys);
      }
      const where = `${problem.file}${line === undefined ? '' : ` line ${line}`}`;
      return {
        ...problem,
        ...(line === undefined ? {} : { line }),
        message: `${problem.message} (${where})`,
      };
    }),
  );
}

/** Paths of the merged config still holding a decrypted value (not overridden by a plain one). */
export function secretPaths(config: ConfigObject, opened: readonly Opened[]): string[][] {
  return opened
    .filter(({ path, clear }) => {
      let cur: unknown = config;
      for (const k of path) {
        if (cur === null || typeof cur !== 'object') return false;
        cur = (cur as Record<string, unknown>)[k];
      }
      return cur === clear;
    })
    .map(({ path }) => path);
}
