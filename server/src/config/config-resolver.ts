import type { ConfigObject } from '@hotconf/client';
import type { Problem } from '../errors.js';
import type { Snapshot } from '../git/snapshot.js';
import { mergeDocuments } from './merge.js';
import { openSecrets, secretPaths, type SecretDecoder } from './decode-secrets.js';
import { documentOwners, sourceOwner } from './file-owner.js';
import { candidateBases, EXTENSIONS, NAME, splitFileName } from './names.js';
import { parseConfigFile, type ParsedFile } from './parse-file.js';

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

export type { SecretDecoder, SecretSite } from './decode-secrets.js';

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
    const owners = ownersOf(snapshot, service, applicable).join(',');
    return `${files.join(',')}|${snapshot.schemas.get(service) ?? '-'}|${owners}`;
  }

  /** The services owning the document's files (DESIGN §7), valid or not. */
  owners(snapshot: Snapshot, service: string, profiles: readonly string[]): string[] {
    return ownersOf(snapshot, service, this.applicableFiles(snapshot, service, profiles));
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
    const owners = ownersOf(snapshot, service, files);
    // Owners and bound secrets depend on the service: it is part of the key.
    const key = `${snapshot.prefix}|${service}|${owners.join(',')}|${files.map(([f, b]) => `${f}:${b}`).join(',')}`;
    let cached = this.resolved.get(key);
    if (!cached) {
      const merging = this.merge(snapshot.prefix, files, service, owners);
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
    const opened = await openSecrets(sources, service, this.options);
    if (!opened.ok) return { ok: false, problems: opened.problems, sources };
    const config = mergeDocuments(opened.sources.map((s) => s.config));
    const secrets = secretPaths(config, opened.opened);
    return { ok: true, config, sources: opened.sources, owners, secrets };
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
