import type { Problem } from '../errors.js';
import type { Snapshot } from '../git/snapshot.js';
import { mergeDocuments } from './merge.js';
import { openSecrets, secretPaths, type SecretDecoder } from './decode-secrets.js';
import { documentOwners, sourceOwner } from './file-owner.js';
import { candidateBases, EXTENSIONS, splitFileName } from './names.js';
import {
  DEFAULT_MAX_DOCUMENT_BYTES,
  parseConfigFile,
  type ParsedDocument,
  type ParsedFile,
} from './parse-file.js';
import { activeDocuments } from './active-documents.js';
import { baseNameOf, folderOf, SearchPath } from './search-paths.js';
import { mentionedNames } from './service-names.js';
import type { Resolution, Source } from './resolution.js';

export { discoverServices } from './service-names.js';

export type { Resolution, Source } from './resolution.js';

export type { SecretDecoder, SecretSite } from './decode-secrets.js';

/** What a {@link ConfigResolver} is given; the optional fields have the defaults listed. */
export interface ConfigResolverOptions {
  /** Reads a blob's bytes. */
  readBlob(oid: string): Promise<Buffer>;
  /** Decrypts secret values; without it they are served as written. */
  secrets?: SecretDecoder | undefined;
  /** Parsed files kept by blob id. Default 20 000. */
  maxParsedFiles?: number;
  /** Bytes one file's documents may expand to (HOTCONF_MAX_DOCUMENT_BYTES). Default 10 MB. */
  maxDocumentBytes?: number;
  /** HOTCONF_SEARCH_PATH, checked. Default: the top level only. */
  searchPath?: SearchPath | undefined;
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
  /** Per snapshot: its folders holding config files, and the folders each request searches. */
  private readonly folderMemo = new WeakMap<
    Snapshot,
    { all: string[]; by: Map<string, string[]> }
  >();
  /** HOTCONF_SEARCH_PATH: which folders besides the top level hold config files. */
  readonly searchPath: SearchPath;

  constructor(private readonly options: ConfigResolverOptions) {
    this.maxParsed = options.maxParsedFiles ?? 20_000;
    this.searchPath = options.searchPath ?? SearchPath.parse(undefined);
  }

  /**
   * The files that apply, highest precedence first: [file path, blob id]. Search folders
   * come before the top level, each searched in Spring's order (DESIGN §2a); in each,
   * every extension of a name is read (`.properties` above `.yml`, as Spring Boot); a file
   * that a longer service name owns by its schema is left out (DESIGN §7).
   * @param label fills `{label}` in HOTCONF_SEARCH_PATH; without it such entries are not searched.
   */
  applicableFiles(
    snapshot: Snapshot,
    service: string,
    profiles: readonly string[],
    label?: string,
  ): [string, string][] {
    const out: [string, string][] = [];
    const bases = candidateBases(service, profiles).filter(
      (base) => sourceOwner(base, service, snapshot.schemas).use,
    );
    for (const folder of this.foldersOf(snapshot, service, profiles, label)) {
      for (const base of bases) {
        for (const ext of EXTENSIONS) {
          const blob = snapshot.files.get(folder + base + ext);
          if (blob) out.push([folder + base + ext, blob]);
        }
      }
    }
    return out;
  }

  /** The folders one request searches at a snapshot, highest precedence first. Computed once. */
  private foldersOf(
    snapshot: Snapshot,
    service: string,
    profiles: readonly string[],
    label?: string,
    own = false,
  ): string[] {
    if (this.searchPath.isEmpty || (own && !this.searchPath.hasApplicationFolders)) return [''];
    let memo = this.folderMemo.get(snapshot);
    if (!memo) {
      const all = [...new Set([...snapshot.files.keys()].map(folderOf))].sort();
      this.folderMemo.set(snapshot, (memo = { all, by: new Map() }));
    }
    const key = `${service}\0${profiles.join(',')}\0${label ?? ''}\0${own}`;
    let folders = memo.by.get(key);
    if (!folders) {
      folders = this.searchPath.folders(memo.all, service, profiles, label, own);
      memo.by.set(key, folders);
    }
    return folders;
  }

  /**
   * A string that changes exactly when the document's inputs (files and schema) change:
   * what the publisher compares to skip untouched documents.
   */
  fingerprint(
    snapshot: Snapshot,
    service: string,
    profiles: readonly string[],
    label?: string,
  ): string {
    const applicable = this.applicableFiles(snapshot, service, profiles, label);
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
    label?: string,
  ): Promise<string> {
    const active = new Set(profiles);
    const files = this.applicableFiles(snapshot, service, profiles, label);
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
  owners(
    snapshot: Snapshot,
    service: string,
    profiles: readonly string[],
    label?: string,
  ): string[] {
    return ownersOf(snapshot, service, this.applicableFiles(snapshot, service, profiles, label));
  }

  /**
   * True when a file, a profile file or a schema names the service at the snapshot
   * (`foo-dev.yml` makes `foo` known, as Spring serves `/foo/dev` from it).
   */
  isKnown(snapshot: Snapshot, service: string): boolean {
    if (snapshot.schemas.has(service)) return true;
    let names = this.mentioned.get(snapshot);
    if (!names) this.mentioned.set(snapshot, (names = mentionedNames(snapshot)));
    if (names.has(service)) return true;
    // A folder of its own (`orders/` for `{application}`) names it, whatever its files are called.
    return this.foldersOf(snapshot, service, [], undefined, true).length > 1;
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
    label?: string,
  ): Promise<Resolution> {
    const files = this.applicableFiles(snapshot, service, profiles, label);
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
    files.map(([path]) => {
      const name = baseNameOf(path);
      return splitFileName(name)?.base ?? name;
    }),
    snapshot.schemas,
  );
}
