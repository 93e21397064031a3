import type { ConfigObject } from '@hotconf/client';
import { LineCounter, parseDocument, type Node } from 'yaml';
import type { Problem } from '../errors.js';
import { isObject } from '../config/merge.js';
import { CANARY_FILE } from '../config/names.js';
import { parseDuration } from './duration.js';

/** One step of a rollout: the share of the fleet that gets the canary, and how long it bakes. */
export interface RolloutStep {
  /** 1–100, strictly increasing from step to step. */
  percent: number;
  /** Milliseconds the step must run with no halt signal before the next one. */
  bakeMs: number;
}

/** What a `{service}-{profile}.canary.yml` file asks for (DESIGN §11). */
export interface CanaryPlan {
  steps: RolloutStep[];
  /** Only instances whose `hello` labels carry all of these may be in the cohort. */
  matchLabels: Record<string, string>;
  /** Merged over the document as its highest source. */
  overlay: ConfigObject;
}

export type ParsedCanary = { ok: true; plan: CanaryPlan } | { ok: false; problems: Problem[] };

/** `orders-prod.canary.yml` → `orders-prod`; undefined for any other file. */
export function canaryStem(file: string): string | undefined {
  return CANARY_FILE.exec(file)?.[1];
}

/** A canary file is never an ordinary config or plain-text file. */
export function isCanaryFile(file: string): boolean {
  return canaryStem(file) !== undefined;
}

const TOP_KEYS = new Set(['rollout', 'config']);
const ROLLOUT_KEYS = new Set(['steps', 'match']);
const STEP_KEYS = new Set(['percent', 'bake']);
const MATCH_KEYS = new Set(['labels']);
/** The SDK's own limits on `hello` labels: a match that needs more could never be met. */
const MAX_MATCH_LABELS = 20;

/** Finds the line of a path in the document, for messages; the parent's line when absent. */
type LineOf = (path: readonly (string | number)[]) => number | undefined;

/**
 * Reads a canary file's plan. Every problem names the file and line and says what to do;
 * nothing of the file is used unless all of it is right.
 */
export function parseCanaryYaml(file: string, text: string): ParsedCanary {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter: lines });
  const error = doc.errors[0];
  if (error) {
    const line = lines.linePos(error.pos[0]).line;
    const message = `${file} line ${line}: not valid YAML; check the indentation and quoting there`;
    return { ok: false, problems: [{ file, path: '', line, message }] };
  }
  const lineOf: LineOf = (path) => {
    for (let n = path.length; n >= 1; n--) {
      const node = doc.getIn(path.slice(0, n), true) as Node | undefined;
      const at = node?.range?.[0];
      if (at !== undefined) return lines.linePos(at).line;
    }
    return undefined;
  };
  return checkCanary(file, doc.toJS({ maxAliasCount: 0 }) as unknown, lineOf);
}

/**
 * Checks a canary file's content, whatever format it came in (`lineOf` locates a key).
 * Exported for `.canary.properties`, which reaches here as nested maps.
 */
export function checkCanary(file: string, value: unknown, lineOf: LineOf): ParsedCanary {
  const problems: Problem[] = [];
  const report = (path: (string | number)[], message: string) => {
    const line = lineOf(path);
    problems.push({
      file,
      path: '/' + path.join('/'),
      ...(line === undefined ? {} : { line }),
      message: `${file}${line === undefined ? '' : ` line ${line}`}: ${message}`,
    });
  };
  if (!isObject(value)) {
    report([], 'a canary file must be a map with `rollout` and `config`');
    return { ok: false, problems };
  }
  unknownKeys(value, TOP_KEYS, [], report);
  const rollout = value['rollout'];
  const steps: RolloutStep[] = [];
  const matchLabels: Record<string, string> = {};
  if (!isObject(rollout)) {
    report(['rollout'], '`rollout` must be a map with `steps` (and optionally `match`)');
  } else {
    unknownKeys(rollout, ROLLOUT_KEYS, ['rollout'], report);
    readSteps(rollout['steps'], steps, report);
    readMatch(rollout['match'], matchLabels, report);
  }
  const overlay = value['config'];
  if (!isObject(overlay) || Object.keys(overlay).length === 0) {
    report(['config'], '`config` must be a non-empty map: the settings the canary changes');
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, plan: { steps, matchLabels, overlay: overlay as ConfigObject } };
}

type Report = (path: (string | number)[], message: string) => void;

function unknownKeys(
  map: ConfigObject,
  allowed: Set<string>,
  at: (string | number)[],
  report: Report,
): void {
  for (const key of Object.keys(map)) {
    if (!allowed.has(key)) {
      const where = at.length === 0 ? 'at the top' : `in \`${at.join('.')}\``;
      report([...at, key], `unknown key \`${key}\` ${where}; allowed: ${[...allowed].join(', ')}`);
    }
  }
}

function readSteps(raw: unknown, out: RolloutStep[], report: Report): void {
  if (!Array.isArray(raw) || raw.length === 0) {
    report(['rollout', 'steps'], '`rollout.steps` must be a list of {percent, bake}, at least one');
    return;
  }
  let previous = 0;
  raw.forEach((step: unknown, i) => {
    const at = ['rollout', 'steps', i];
    if (!isObject(step)) {
      report(at, `step ${i + 1} must be a map {percent, bake}`);
      return;
    }
    unknownKeys(step, STEP_KEYS, at, report);
    const percent = step['percent'];
    if (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 1 || percent > 100) {
      report([...at, 'percent'], `step ${i + 1}: percent must be a whole number from 1 to 100`);
      return;
    }
    if (percent <= previous) {
      report(
        [...at, 'percent'],
        `step ${i + 1}: percent ${percent} must be more than the step before (${previous})`,
      );
    }
    previous = Math.max(previous, percent);
    const bakeMs = parseDuration(step['bake'] ?? 0);
    if (bakeMs === undefined) {
      report(
        [...at, 'bake'],
        `step ${i + 1}: bake must be a duration such as 30s, 5m or 1h (or 0), not ${JSON.stringify(step['bake'])}`,
      );
      return;
    }
    out.push({ percent, bakeMs });
  });
}

function readMatch(raw: unknown, out: Record<string, string>, report: Report): void {
  if (raw === undefined || raw === null) return;
  if (!isObject(raw)) {
    report(['rollout', 'match'], '`rollout.match` must be a map with `labels`');
    return;
  }
  unknownKeys(raw, MATCH_KEYS, ['rollout', 'match'], report);
  const labels = raw['labels'];
  if (labels === undefined) return;
  if (!isObject(labels)) {
    report(['rollout', 'match', 'labels'], '`rollout.match.labels` must be a map of label: value');
    return;
  }
  if (Object.keys(labels).length > MAX_MATCH_LABELS) {
    report(
      ['rollout', 'match', 'labels'],
      `at most ${MAX_MATCH_LABELS} labels can be matched, as an instance sends at most that many`,
    );
    return;
  }
  for (const [key, value] of Object.entries(labels)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      report(['rollout', 'match', 'labels', key], `label \`${key}\` must be a plain value`);
      continue;
    }
    out[key] = String(value);
  }
}
