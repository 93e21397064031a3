import type { ConfigObject } from '@hotconf/client';
import type { Problem } from '../errors.js';
import type { Snapshot } from '../git/snapshot.js';
import { mergeDocuments } from './merge.js';
import { sourceOwner } from './file-owner.js';
import { candidateBases, EXTENSIONS, NAME, splitFileName } from './names.js';
import { lineOf, parseConfigFile, type ParsedFile } from './parse-file.js';

/** One file that contributed to a document. */
export interface Source {
  /** Repository-relative path (`config-repo/orders-dev.yml`). */
  file: string;
  blob: string;
  config: ConfigObject;
}

/** A merged document at a commit, or why it could not be merged. */
export type Resolution =
  | {
      ok: true;
      config: ConfigObject;
      sources: Source[];
      /** Services owning its sources, its own first (DESIGN §7): a reader must read all. */
      owners: string[];
      /** Paths (segments) in `config` whose value is a decrypted secret. */
      secrets: string[][];
    }
  | { ok: false; problems: Problem[]; sources: Source[] };

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
 * Recognises and opens secret strings. The resolver knows no cipher format: the secrets
 * module implements this, so `config/` and `secrets/` never import each other.
 */
export interface SecretDecoder {
  /** True for a value that must be decrypted (`{cipher}…`). */
  isSecret(value: string): boolean;
  /** The clear value; throws an Error whose message is safe to show (no secret in it). */
  decode(value: string, site: SecretSite): string;
}

export interface ConfigResolverOptions {
  /** Reads a blob's bytes. */
  readBlob(oid: string): Promise<Buffer>;
  /** Decrypts secret values; without it they are served as written. */
  secrets?: SecretDecoder | undefined;
  /** Parsed files kept by blob id. Default 20 000. */
  maxParsedFiles?: number;
}

/**
 * Merges the files that apply to a (service, profiles) at a snapshot, in Spring's
 * precedence. Parsed files are cached by blob id and resolutions by fingerprint (the
 * blob ids of the files used), so an unchanged document costs nothing at a new commit.
 */
export class ConfigResolver {
  private readonly parsed = new Map<string, ParsedFile>();
  private readonly resolved = new Map<string, Promise<Resolution>>();
  private readonly maxParsed: number;

  constructor(private readonly options: ConfigResolverOptions) {
    this.maxParsed = options.maxParsedFiles ?? 20_000;
  }

  /** The files that apply, highest precedence first: [file name, blob id]. */
  applicableFiles(
    snapshot: Snapshot,
    service: string,
    profiles: readonly string[],
  ): [string, string][] {
    const out: [string, string][] = [];
    for (const base of candidateBases(service, profiles)) {
      if (!sourceOwner(base, service, snapshot.schemas).use) continue;
      for (const ext of EXTENSIONS) {
        const blob = snapshot.files.get(base + ext);
        if (blob) {
          out.push([base + ext, blob]);
          break;
        }
      }
    }
    return out;
  }

  /**
   * A string that changes exactly when the document's inputs (files and schema) change:
   * what the publisher compares to skip untouched documents.
   */
  fingerprint(snapshot: Snapshot, service: string, profiles: readonly string[]): string {
    const applicable = this.applicableFiles(snapshot, service, profiles);
    const files = applicable.map(([f, b]) => `${f}:${b}`);
    // Owners are part of it: a schema appearing for `orders` makes it an owner of `orders-x`.
    const owners = documentOwners(snapshot, service, applicable).join(',');
    return `${files.join(',')}|${snapshot.schemas.get(service) ?? '-'}|${owners}`;
  }

  /** True when the service has a file or a schema of its own at the snapshot. */
  isKnown(snapshot: Snapshot, service: string): boolean {
    return (
      snapshot.schemas.has(service) || EXTENSIONS.some((ext) => snapshot.files.has(service + ext))
    );
  }

  /** Merges the document. Never throws for bad content: problems come back as values. */
  resolve(snapshot: Snapshot, service: string, profiles: readonly string[]): Promise<Resolution> {
    const files = this.applicableFiles(snapshot, service, profiles);
    const owners = documentOwners(snapshot, service, files);
    // Owners and bound secrets depend on the service: it is part of the key.
    const key = `${snapshot.prefix}|${service}|${owners.join(',')}|${files.map(([f, b]) => `${f}:${b}`).join(',')}`;
    let cached = this.resolved.get(key);
    if (!cached) {
      cached = this.merge(snapshot.prefix, files, service, owners);
      this.resolved.set(key, cached);
      if (this.resolved.size > 10_000) {
        const oldest = this.resolved.keys().next().value;
        if (oldest !== undefined) this.resolved.delete(oldest);
      }
    }
    return cached;
  }

  private async merge(
    prefix: string,
    files: [string, string][],
    service: string,
    owners: string[],
  ): Promise<Resolution> {
    const sources: Source[] = [];
    const problems: Problem[] = [];
    for (const [name, blob] of files) {
      const file = prefix + name;
      const parsed = await this.parse(file, blob);
      if (parsed.ok) sources.push({ file, blob, config: parsed.config });
      else problems.push(parsed.problem);
    }
    if (problems.length > 0) return { ok: false, problems, sources };
    const failed: Problem[] = [];
    const opened: { path: string[]; clear: string }[] = [];
    const decoded = sources.map((s) => ({
      ...s,
      config: this.decodeSecrets(s, service, failed, opened),
    }));
    if (failed.length > 0)
      return { ok: false, problems: await this.placed(failed, sources), sources };
    const config = mergeDocuments(decoded.map((s) => s.config));
    return { ok: true, config, sources: decoded, owners, secrets: secretPaths(config, opened) };
  }

  private async parse(file: string, blob: string): Promise<ParsedFile> {
    const hit = this.parsed.get(blob);
    if (hit) return hit;
    const text = (await this.options.readBlob(blob)).toString('utf8');
    const parsed = parseConfigFile(file, text);
    this.parsed.set(blob, parsed);
    if (this.parsed.size > this.maxParsed) {
      const oldest = this.parsed.keys().next().value;
      if (oldest !== undefined) this.parsed.delete(oldest);
    }
    return parsed;
  }

  /** Adds file and line to secret problems: "… (orders-prod.yml line 6)". */
  private async placed(problems: Problem[], sources: Source[]): Promise<Problem[]> {
    return Promise.all(
      problems.map(async (problem) => {
        const source = sources.find((s) => s.file === problem.file);
        let line: number | undefined;
        if (source) {
          const text = (await this.options.readBlob(source.blob)).toString('utf8');
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

  /** Replaces secret strings by their clear value; a failure becomes a problem. */
  private decodeSecrets(
    source: Source,
    service: string,
    problems: Problem[],
    opened: { path: string[]; clear: string }[],
  ): ConfigObject {
    const secrets = this.options.secrets;
    if (!secrets) return source.config;
    let found = false;
    const walk = (value: unknown, path: string[]): unknown => {
      if (typeof value === 'string' && secrets.isSecret(value)) {
        found = true;
        try {
          const clear = secrets.decode(value, { file: source.file, path: path.join('.'), service });
          opened.push({ path, clear });
          return clear;
        } catch (e) {
          const reason = (e as Error).message;
          problems.push({
            file: source.file,
            path: `/${path.join('/')}`,
            message: `\`${path.join('.')}\` could not be decrypted: ${reason}`,
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
    const out = walk(source.config, []) as ConfigObject;
    return found ? out : source.config;
  }
}

/** The services owning a document's files, `service` first, each once (DESIGN §7). */
function documentOwners(snapshot: Snapshot, service: string, files: [string, string][]): string[] {
  const owners = new Set([service]);
  for (const [name] of files) {
    const base = splitFileName(name)?.base ?? name;
    const owned = sourceOwner(base, service, snapshot.schemas);
    if (owned.use && owned.owner !== undefined) owners.add(owned.owner);
  }
  return [...owners];
}

/** Paths of the merged config still holding a decrypted value (not overridden by a plain one). */
function secretPaths(
  config: ConfigObject,
  opened: { path: string[]; clear: string }[],
): string[][] {
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

/**
 * Services known at a snapshot and the profiles found for each: suffixes on its own files
 * and on `application-*` files (DESIGN §2). Linear in the number of files: a repository
 * of thousands of services is re-discovered on every commit.
 */
export function discoverServices(snapshot: Snapshot): Map<string, Set<string>> {
  const bases = new Set<string>();
  for (const file of snapshot.files.keys()) {
    const base = splitFileName(file)?.base;
    if (base) bases.add(base);
  }
  const services = new Set<string>(snapshot.schemas.keys());
  for (const base of bases) {
    if (base !== 'application' && !base.startsWith('application-') && NAME.test(base))
      services.add(base);
  }
  // `orders-dev` is a profile file of `orders`, not a service, when `orders` exists.
  for (const service of [...services]) {
    if (snapshot.schemas.has(service)) continue;
    for (let i = service.indexOf('-'); i > 0; i = service.indexOf('-', i + 1)) {
      if (services.has(service.slice(0, i))) {
        services.delete(service);
        break;
      }
    }
  }
  const shared: string[] = [];
  for (const base of bases)
    if (base.startsWith('application-') && NAME.test(base.slice(12))) shared.push(base.slice(12));
  const out = new Map<string, Set<string>>();
  for (const service of services) out.set(service, new Set(shared));
  // Each profile file names its service by its longest known prefix.
  for (const base of bases) {
    // A schema makes it a service of its own, never a profile of a shorter one (DESIGN §7).
    if (snapshot.schemas.has(base)) continue;
    for (let i = base.lastIndexOf('-'); i > 0; i = base.lastIndexOf('-', i - 1)) {
      const profiles = out.get(base.slice(0, i));
      if (profiles) {
        if (NAME.test(base.slice(i + 1))) profiles.add(base.slice(i + 1));
        break;
      }
    }
  }
  return out;
}
