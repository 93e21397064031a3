import type { ConfigObject } from '@hotconf/client';
import type { Problem } from '../errors.js';
import type { Snapshot } from '../git/snapshot.js';
import { CIPHER_PREFIX } from '../secrets/cipher-value.js';
import { sourceOwner } from './file-owner.js';
import { mergeDocuments } from './merge.js';
import { candidateBases, EXTENSIONS, NAME, splitFileName } from './names.js';
import {
  DEFAULT_MAX_DOCUMENT_BYTES,
  parseConfigFile,
  type ParsedDocument,
  type ParsedFile,
} from './parse-file.js';

/** One file (or one document of a multi-document file) that contributed to a document. */
export interface Source {
  /** Repository-relative path (`config-repo/orders-dev.yml`). */
  file: string;
  blob: string;
  config: ConfigObject;
  /** Spring's property source name: the file, plus ` (document #N)` in a multi-document file. */
  name?: string;
  /** Position of the document in its file, from 0. */
  document?: number;
}

/** A merged document at a commit, or why it could not be merged. */
export type Resolution =
  | { ok: true; config: ConfigObject; sources: Source[] }
  | { ok: false; problems: Problem[]; sources: Source[] };

/** Turns a secret string into its clear value, or throws a message safe to show. */
export type SecretDecoder = (value: string, file: string, path: string) => string;

export interface ConfigResolverOptions {
  /** Reads a blob's bytes. */
  readBlob(oid: string): Promise<Buffer>;
  /** Decrypts `{cipher}` values; without it they are rejected. */
  decodeSecret?: SecretDecoder | undefined;
  /** Parsed files kept by blob id. Default 20 000. */
  maxParsedFiles?: number;
  /** Bytes one file's documents may expand to (HOTCONF_MAX_DOCUMENT_BYTES). Default 10 MB. */
  maxDocumentBytes?: number;
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
  private readonly mentioned = new WeakMap<Snapshot, Set<string>>();

  constructor(private readonly options: ConfigResolverOptions) {
    this.maxParsed = options.maxParsedFiles ?? 20_000;
  }

  /**
   * The files that apply, highest precedence first: [file name, blob id]. Every extension
   * of a name is read (`.properties` above `.yml`, as Spring Boot); a file that a longer
   * service name owns by its schema is left out (DESIGN §7).
   */
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
        if (blob) out.push([base + ext, blob]);
      }
    }
    return out;
  }

  /**
   * A string that changes exactly when the document's inputs (files and schema) change:
   * what the publisher compares to skip untouched documents.
   */
  fingerprint(snapshot: Snapshot, service: string, profiles: readonly string[]): string {
    const files = this.applicableFiles(snapshot, service, profiles).map(([f, b]) => `${f}:${b}`);
    return `${files.join(',')}|${snapshot.schemas.get(service) ?? '-'}`;
  }

  /**
   * True when a file, a profile file or a schema names the service at the snapshot
   * (`foo-dev.yml` makes `foo` known, as Spring serves `/foo/dev` from it).
   */
  isKnown(snapshot: Snapshot, service: string): boolean {
    if (snapshot.schemas.has(service)) return true;
    let names = this.mentioned.get(snapshot);
    if (!names) this.mentioned.set(snapshot, (names = mentionedNames(snapshot)));
    return names.has(service);
  }

  /**
   * Merges the document. Never throws for bad content: problems come back as values.
   * Resolutions are shared by every (service, profiles) that ends up with the same files
   * and the same active documents, so a thousand profile names cost one resolution.
   */
  async resolve(
    snapshot: Snapshot,
    service: string,
    profiles: readonly string[],
  ): Promise<Resolution> {
    const files = this.applicableFiles(snapshot, service, profiles);
    const active = new Set(profiles);
    const parsed = await Promise.all(
      files.map(([name, blob]) => this.parse(snapshot.prefix + name, blob)),
    );
    const chosen = parsed.map((p) => (p.ok ? activeDocuments(p, active) : []));
    const key = `${snapshot.prefix}|${files
      .map(
        ([f, b], i) => `${f}:${b}:${(chosen[i] as ParsedDocument[]).map((d) => d.index).join('.')}`,
      )
      .join(',')}`;
    let cached = this.resolved.get(key);
    if (!cached) {
      // parse() above rejects on an unreadable object, before anything is cached: an
      // unreadable object is not a verdict, the next read tries again.
      cached = Promise.resolve(this.merge(snapshot.prefix, files, parsed, chosen));
      this.resolved.set(key, cached);
      if (this.resolved.size > 10_000) {
        const oldest = this.resolved.keys().next().value;
        if (oldest !== undefined) this.resolved.delete(oldest);
      }
    }
    return cached;
  }

  private merge(
    prefix: string,
    files: [string, string][],
    parsed: ParsedFile[],
    chosen: ParsedDocument[][],
  ): Resolution {
    const sources: Source[] = [];
    const problems: Problem[] = [];
    files.forEach(([name, blob], i) => {
      const file = prefix + name;
      const result = parsed[i] as ParsedFile;
      if (!result.ok) {
        problems.push(result.problem);
        return;
      }
      for (const doc of chosen[i] as ParsedDocument[]) {
        sources.push({
          file,
          blob,
          config: doc.config,
          name: result.multi ? `${file} (document #${doc.index})` : file,
          document: doc.index,
        });
      }
    });
    if (problems.length > 0) return { ok: false, problems, sources };
    const secrets: Problem[] = [];
    const decoded = sources.map((s) => ({ ...s, config: this.decodeSecrets(s, secrets) }));
    if (secrets.length > 0) return { ok: false, problems: secrets, sources };
    const config = mergeDocuments(decoded.map((s) => s.config));
    const max = this.options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
    const size = Buffer.byteLength(JSON.stringify(config));
    if (size > max) {
      const files = [...new Set(sources.map((s) => s.file))].join(', ');
      return {
        ok: false,
        problems: [
          {
            path: '',
            message: `the merged document is ${size} bytes, over HOTCONF_MAX_DOCUMENT_BYTES (${max}): make ${files} smaller`,
          },
        ],
        sources,
      };
    }
    return { ok: true, config, sources: decoded };
  }

  private async parse(file: string, blob: string): Promise<ParsedFile> {
    const hit = this.parsed.get(blob);
    if (hit) return hit;
    const text = (await this.options.readBlob(blob)).toString('utf8');
    const parsed = parseConfigFile(file, text, {
      maxDocumentBytes: this.options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES,
    });
    this.parsed.set(blob, parsed);
    if (this.parsed.size > this.maxParsed) {
      const oldest = this.parsed.keys().next().value;
      if (oldest !== undefined) this.parsed.delete(oldest);
    }
    return parsed;
  }

  /** Replaces `{cipher}` strings by their clear value; a failure becomes a problem. */
  private decodeSecrets(source: Source, problems: Problem[]): ConfigObject {
    const decode = this.options.decodeSecret;
    let found = false;
    const walk = (value: unknown, path: string[]): unknown => {
      if (typeof value === 'string' && value.startsWith(CIPHER_PREFIX)) {
        found = true;
        const pointer = `/${path.join('/')}`;
        if (!decode) {
          problems.push({
            file: source.file,
            path: pointer,
            message: `\`${path.join('.')}\` is encrypted but the server has no HOTCONF_ENCRYPT_KEY (${source.file})`,
          });
          return value;
        }
        try {
          return decode(value.slice(CIPHER_PREFIX.length), source.file, path.join('.'));
        } catch (e) {
          problems.push({ file: source.file, path: pointer, message: (e as Error).message });
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

/**
 * Every name a file mentions at a snapshot: each file's base and each dash-separated prefix
 * of it (`foo-dev.yml` mentions `foo-dev` and `foo`), except prefixes a schema'd service
 * claims the file from (DESIGN §7). `application*` files mention nothing.
 */
function mentionedNames(snapshot: Snapshot): Set<string> {
  const out = new Set<string>();
  for (const file of snapshot.files.keys()) {
    const base = splitFileName(file)?.base;
    if (!base || base === 'application' || base.startsWith('application-')) continue;
    out.add(base);
    for (let i = base.indexOf('-'); i > 0; i = base.indexOf('-', i + 1)) {
      const prefix = base.slice(0, i);
      if (sourceOwner(base, prefix, snapshot.schemas).use) out.add(prefix);
    }
  }
  return out;
}

/** The documents of a file that apply to `active`, later documents first (they win). */
function activeDocuments(
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
