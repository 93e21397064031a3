import type { ConfigObject } from '@hotconf/client';
import { LineCounter, parseDocument, type Node } from 'yaml';
import type { ConfigResolver, Source } from '../config/config-resolver.js';
import { mergeDocuments } from '../config/merge.js';
import type { Problem } from '../errors.js';
import type { Snapshot } from '../git/snapshot.js';
import type { SchemaGate } from '../schema/schema-gate.js';
import { parseCanaryYaml, type CanaryPlan, type ParsedCanary } from './canary-file.js';
import { parseCanaryProperties } from './canary-properties.js';

/** A canary document's content as judged at one commit. */
export interface CanaryContent {
  /** Repository-relative name of the canary file. */
  file: string;
  /** The canary file's blob id: a new one starts a new rollout. */
  canaryId: string;
  plan: CanaryPlan;
  config: ConfigObject;
  sources: Source[];
  owners: readonly string[];
  validated: boolean;
}

/** What judging a document's canary gives: none, a valid canary, or why the commit is refused. */
export type CanaryJudgement =
  | { kind: 'none' }
  | { kind: 'ok'; canary: CanaryContent }
  | { kind: 'rejected'; problems: Problem[] };

export interface CanaryJudgeOptions {
  resolver: Pick<ConfigResolver, 'resolve'>;
  gate: Pick<SchemaGate, 'check'>;
  readBlob(oid: string): Promise<Buffer>;
}

const EXTENSIONS = ['.canary.yml', '.canary.yaml', '.canary.properties'];

/**
 * Judges the canary of a (service, one profile) document at a snapshot (DESIGN §11): its
 * file must be a right plan, and the document with the overlay as its highest source must
 * pass the same gate at the same commit.
 */
export class CanaryJudge {
  constructor(private readonly options: CanaryJudgeOptions) {}

  /** The canary file's name and blob at the snapshot, when the document has one. */
  canaryOf(
    snapshot: Snapshot,
    service: string,
    profiles: readonly string[],
  ): { name: string; blob: string } | undefined {
    if (profiles.length !== 1 || !snapshot.canaries) return undefined;
    for (const ext of EXTENSIONS) {
      const name = `${service}-${profiles[0] as string}${ext}`;
      const blob = snapshot.canaries.get(name);
      if (blob) return { name, blob };
    }
    return undefined;
  }

  async judge(
    snapshot: Snapshot,
    service: string,
    profiles: readonly string[],
  ): Promise<CanaryJudgement> {
    const found = this.canaryOf(snapshot, service, profiles);
    if (!found) return { kind: 'none' };
    const file = snapshot.prefix + found.name;
    let parsed: ParsedCanary;
    let text: string;
    try {
      text = (await this.options.readBlob(found.blob)).toString('utf8');
      parsed = found.name.endsWith('.properties')
        ? parseCanaryProperties(file, text)
        : parseCanaryYaml(file, text);
    } catch {
      const message = `${file}: could not be read from git; the canary waits for the next commit`;
      return { kind: 'rejected', problems: [{ file, path: '', message }] };
    }
    if (!parsed.ok) return { kind: 'rejected', problems: parsed.problems };
    const { resolver, gate } = this.options;
    const resolution = await resolver.resolve(snapshot, service, profiles);
    // The base itself is broken: its own rejection says why; the canary adds nothing.
    if (!resolution.ok) return { kind: 'none' };
    const overlay: Source = { file, blob: found.blob, config: parsed.plan.overlay, name: file };
    const config = mergeDocuments([parsed.plan.overlay, resolution.config]);
    const sources = [overlay, ...resolution.sources];
    const verdict = await gate.check(snapshot, service, config, sources, resolution.secrets);
    if (!verdict.ok) {
      const problems = verdict.problems.map((p) => {
        // The gate finds keys at the top of a file; in a canary file they sit under `config`.
        const line = p.file === file ? overlayLine(found.name, text, p.path) : undefined;
        const message =
          line === undefined ? p.message : p.message.replace(/ line \d+$/, ` line ${line}`);
        return {
          ...p,
          ...(line === undefined ? {} : { line }),
          message: `the canary document (with ${file}) is invalid: ${message}`,
        };
      });
      return { kind: 'rejected', problems };
    }
    return {
      kind: 'ok',
      canary: {
        file,
        canaryId: found.blob,
        plan: parsed.plan,
        config: verdict.config,
        sources,
        owners: resolution.owners,
        validated: verdict.validated,
      },
    };
  }
}

/** The line of a JSON pointer's key under `config` in a YAML canary file. */
function overlayLine(name: string, text: string, pointer: string): number | undefined {
  if (name.endsWith('.properties')) return undefined;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const keys = pointer
    .split('/')
    .slice(1)
    .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
  for (let n = keys.length; n >= 0; n--) {
    const node = doc.getIn(['config', ...keys.slice(0, n)], true) as Node | undefined;
    const at = node?.range?.[0];
    if (at !== undefined) return lines.linePos(at).line;
  }
  return undefined;
}
