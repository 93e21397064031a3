import type { ConfigObject } from '@hotconf/client';
import type { ConfigResolver, Source } from '../config/config-resolver.js';
import type { Problem } from '../errors.js';
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
  | { ok: false; problems: Problem[]; validated: boolean };

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
): Promise<Judgement> {
  const resolution = await resolver.resolve(snapshot, service, profiles);
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
