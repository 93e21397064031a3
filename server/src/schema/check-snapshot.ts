import { discoverServices, type ConfigResolver } from '../config/config-resolver.js';
import type { Problem } from '../errors.js';
import type { Snapshot } from '../git/snapshot.js';
import { judgeDocument } from './judge-document.js';
import type { SchemaGate } from './schema-gate.js';

/** The gate's verdict on one document of a snapshot. */
export interface DocumentCheck {
  service: string;
  profiles: string[];
  ok: boolean;
  validated: boolean;
  problems: Problem[];
}

/**
 * Judges every service and profile found in a snapshot exactly as the server would
 * before publishing: what `hotconf validate` runs offline.
 */
export async function checkSnapshot(
  snapshot: Snapshot,
  resolver: ConfigResolver,
  gate: SchemaGate,
  /** Fills `{label}` in HOTCONF_SEARCH_PATH (the ref checked). */
  label?: string,
): Promise<DocumentCheck[]> {
  const out: DocumentCheck[] = [];
  const services = [...discoverServices(snapshot)].sort(([a], [b]) => a.localeCompare(b));
  for (const [service, found] of services) {
    for (const profile of ['default', ...[...found].filter((p) => p !== 'default').sort()]) {
      const profiles = [profile];
      const judged = await judgeDocument(resolver, gate, snapshot, service, profiles, label);
      const problems = judged.ok ? [] : judged.problems;
      out.push({ service, profiles, ok: judged.ok, validated: judged.validated, problems });
    }
  }
  return out;
}
