import type { ConfigObject } from '@hotconf/client';
import type { ConfigResolver, Source } from '../config/config-resolver.js';
import type { Problem } from '../errors.js';
import { ObjectReadError } from '../git/object-read-error.js';
import type { Snapshot } from '../git/snapshot.js';
import type { SchemaGate } from './schema-gate.js';

/** What the gate decides for one document at one snapshot. */
export type Judgement =
  | {
      ok: true;
      config: ConfigObject;
      sources: Source[];
      validated: boolean;
      /** Services owning its sources, its own first: a reader must be allowed all (§7). */
      owners: string[];
    }
  /** `validated`: false when the files did not even merge (syntax, secret), true when the schema refused. */
  | {
      ok: false;
      problems: Problem[];
      validated: boolean;
      /** A git object could not be read: no verdict on the content, so it is judged again. */
      unreadable?: true;
    };

/**
 * Resolves (service, profiles) at a snapshot and validates it against the schema at the
 * same snapshot: the one judgement the publisher, the audit trail and `hotconf validate`
 * share, so none of them can disagree with the others. The config has defaults filled in.
 */
export async function judgeDocument(
  resolver: ConfigResolver,
  gate: SchemaGate,
  snapshot: Snapshot,
  service: string,
  profiles: readonly string[],
  /** Fills `{label}` in HOTCONF_SEARCH_PATH. */
  label?: string,
): Promise<Judgement> {
  try {
    return await judge(resolver, gate, snapshot, service, profiles, label);
  } catch (error) {
    // An unreadable git object fails this document only, naming the object and its file.
    if (!(error instanceof ObjectReadError)) throw error;
    const file = error.file ?? fileOf(snapshot, error.oid);
    const named = file === undefined ? error : error.inFile(file);
    return {
      ok: false,
      problems: [{ ...(file === undefined ? {} : { file }), path: '', message: named.message }],
      validated: false,
      unreadable: true,
    };
  }
}

/** The repository-relative file a blob is at this snapshot, when it is one of its files. */
function fileOf(snapshot: Snapshot, oid: string): string | undefined {
  for (const [name, blob] of snapshot.files) if (blob === oid) return snapshot.prefix + name;
  for (const [service, blob] of snapshot.schemas)
    if (blob === oid) return `${snapshot.prefix}schemas/${service}.schema.json`;
  return undefined;
}

async function judge(
  resolver: ConfigResolver,
  gate: SchemaGate,
  snapshot: Snapshot,
  service: string,
  profiles: readonly string[],
  label: string | undefined,
): Promise<Judgement> {
  const resolution = await resolver.resolve(snapshot, service, profiles, label);
  if (!resolution.ok) return { ok: false, problems: resolution.problems, validated: false };
  const verdict = await gate.check(
    snapshot,
    service,
    resolution.config,
    resolution.sources,
    resolution.secrets,
  );
  if (!verdict.ok) return { ok: false, problems: verdict.problems, validated: true };
  return {
    ok: true,
    config: verdict.config,
    sources: resolution.sources,
    validated: verdict.validated,
    owners: resolution.owners,
  };
}
