import type { ConfigObject } from '@hotconf/client';
import type { ConfigResolver, Source } from '../config/config-resolver.js';
import { flatten } from '../config/flatten.js';
import { inputsOf } from '../publish/changed-inputs.js';
import { CIPHER_PREFIX } from '../secrets/cipher-value.js';
import { parseConfigFile } from '../config/parse-file.js';
import type { SearchPath } from '../config/search-paths.js';
import type { Problem } from '../errors.js';
import type { Repository } from '../git/repository.js';
import type { CommitInfo } from '../git/snapshot.js';
import { judgeDocument } from '../schema/judge-document.js';
import type { SchemaGate } from '../schema/schema-gate.js';

/** What the audit routes read: git, and the same resolver and gate the publisher uses. */
export interface AuditDeps {
  repository: Repository;
  resolver: ConfigResolver;
  gate: SchemaGate;
}

/** A document as it would have been published at one commit. */
export type Revision =
  | { kind: 'absent'; commit: CommitInfo }
  | { kind: 'invalid'; commit: CommitInfo; problems: Problem[]; owners: string[] }
  | {
      kind: 'valid';
      commit: CommitInfo;
      config: ConfigObject;
      sources: Source[];
      /** Services owning its sources (DESIGN §7). */
      owners: string[];
    };

/**
 * Resolves and validates (service, profiles) at a commit exactly as the publisher would:
 * `absent` when the service has no config there, `invalid` when the gate refuses it.
 * The config has schema defaults filled in, as served.
 */
export async function revisionAt(
  deps: AuditDeps,
  commitId: string,
  service: string,
  profiles: readonly string[],
  /** Fills `{label}` in HOTCONF_SEARCH_PATH. */
  label?: string,
): Promise<Revision> {
  const snapshot = await deps.repository.snapshot(commitId);
  const commit = snapshot.commit;
  if (!deps.resolver.isKnown(snapshot, service)) return { kind: 'absent', commit };
  const judged = await judgeDocument(deps.resolver, deps.gate, snapshot, service, profiles, label);
  if (!judged.ok) {
    const owners = deps.resolver.owners(snapshot, service, profiles, label);
    return { kind: 'invalid', commit, problems: judged.problems, owners };
  }
  return {
    kind: 'valid',
    commit,
    config: judged.config,
    sources: judged.sources,
    owners: judged.owners,
  };
}

/**
 * Every file that can ever feed (service, profiles), relative to the search path: the
 * candidate config files in each extension, at the top level and in each folder
 * HOTCONF_SEARCH_PATH searches for it (git pathspecs, `*` kept), and the service's schema
 * (its defaults are part of the served document). A commit touching none of them cannot
 * change it.
 */
export function inputPaths(
  service: string,
  profiles: readonly string[],
  searchPath?: SearchPath,
  label?: string,
): string[] {
  const names = inputsOf(service, profiles);
  const files = searchPath ? searchPath.pathspecs(names, service, profiles, label) : names;
  return [...files, `schemas/${service}.schema.json`];
}

/**
 * Flattened keys whose value is encrypted (`{cipher}…`) in the raw files a revision was
 * merged from. The resolver hands on decrypted sources, so the raw blobs are re-read.
 */
export async function encryptedKeys(
  deps: AuditDeps,
  sources: readonly Source[],
): Promise<Set<string>> {
  const out = new Set<string>();
  for (const source of sources) {
    const text = (await deps.repository.readBlob(source.blob)).toString('utf8');
    const parsed = parseConfigFile(source.file, text);
    if (!parsed.ok) continue;
    for (const [key, value] of Object.entries(flatten(parsed.config))) {
      if (typeof value === 'string' && value.startsWith(CIPHER_PREFIX)) out.add(key);
    }
  }
  return out;
}
