import type { ConfigObject } from '@hotconf/client';
import type { Problem } from '../errors.js';
import type { Snapshot } from '../git/snapshot.js';
import { mergeDocuments } from './merge.js';
import { openSecrets, secretPaths, type SecretDecoder } from './decode-secrets.js';
import { documentOwners, sourceOwner } from './file-owner.js';
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

export type { SecretDecoder, SecretSite } from './decode-secrets.js';

export interface ConfigResolverOptions {
  /** Reads a blob's bytes. */
  readBlob(oid: string): Promise<Buffer>;
  /** Decrypts secret values; without it they are served as written. */
  secrets?: SecretDecoder | undefined;
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
    const applicable = this.applicableFiles(snapshot, service, profiles);
    const files = applicable.map(([f, b]) => `${f}:${b}`);
    // Owners are part of it: a schema appearing for `orders` makes it an owner of `orders-x`.
    const owners = ownersOf(snapshot, service, applicable).join(',');
    return `${files.join(',')}|${snapshot.schemas.get(service) ?? '-'}|${owners}`;
  }

  /**
   * Which documents of each applicable file the profiles activate (`spring.config.activate
   * .on-profile`), e.g. `0|0.1`: with the fingerprint, what decides the merged content, so
   * `/foo/cloud` never reuses `/foo/default`'s content when a document is for `cloud` only.
   */
  async activeDocuments(
    snapshot: Snapshot,
    service: string,
    profiles: readonly string[],
  ): Promise<string> {
    const active = new Set(profiles);
    const files = this.applicableFiles(snapshot, service, profiles);
    // An unreadable or oversized object is not thrown here: the judgement reports it.
    const parsed = await Promise.all(
      files.map(([name, blob]) => this.parse(snapshot.prefix + name, blob).catch(() => null)),
    );
    return parsed
      .map((p) =>
        p?.ok
          ? activeDocuments(p, active)
              .map((d) => d.index)
              .join('.')
          : '!',
      )
      .join('|');
  }

  /** The services owning the document's files (DESIGN §7), valid or not. */
  owners(snapshot: Snapshot, service: string, profiles: readonly string[]): string[] {
    return ownersOf(snapshot, service, this.applicableFiles(snapshot, service, profiles));
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
    const owners = ownersOf(snapshot, service, files);
    const active = new Set(profiles);
    const parsed = await Promise.all(
      files.map(([name, blob]) => this.parse(snapshot.prefix + name, blob)),
    );
    const chosen = parsed.map((p) => (p.ok ? activeDocuments(p, active) : []));
    // Owners and bound secrets depend on the service: it is part of the key.
    const key = `${snapshot.prefix}|${service}|${owners.join(',')}|${files
      .map(
        ([f, b], i) => `${f}:${b}:${(chosen[i] as ParsedDocument[]).map((d) => d.index).join('.')}`,
      )
      .join(',')}`;
    let cached = this.resolved.get(key);
    if (!cached) {
      const merging = this.merge(snapshot.prefix, files, parsed, chosen, service, owners);
      // An unreadable object is not a verdict: the next read tries again.
      merging.catch(() => this.resolved.get(key) === merging && this.resolved.delete(key));
      cached = merging;
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
    parsed: ParsedFile[],
    chosen: ParsedDocument[][],
    service: string,
    owners: string[],
  ): Promise<Resolution> {
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
    const opened = await openSecrets(sources, service, this.options);
    if (!opened.ok) return { ok: false, problems: opened.problems, sources };
    const config = mergeDocuments(opened.sources.map((s) => s.config));
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
    const secrets = secretPaths(config, opened.opened);
    return { ok: true, config, sources: opened.sources, owners, secrets };
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
}

/** The services owning a document's files (DESIGN §7), from their base names. */
function ownersOf(snapshot: Snapshot, service: string, files: [string, string][]): string[] {
  return documentOwners(
    service,
    files.map(([name]) => splitFileName(name)?.base ?? name),
    snapshot.schemas,
  );
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
