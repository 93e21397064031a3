import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RolloutState } from './rollout-progress.js';

/** Where rollout states live, so step, cohort and halt survive a restart (DESIGN §11). */
export interface RolloutStore {
  /** Every stored state, by document key. */
  load(): Promise<Map<string, RolloutState>>;
  /** Stores every state (the whole set is small: one per canary file). */
  save(states: ReadonlyMap<string, RolloutState>): Promise<void>;
  /** True when other replicas share it: states must be re-read before each step. */
  readonly shared: boolean;
  close(): Promise<void>;
}

/**
 * One JSON file in HOTCONF_CACHE_DIR, written to a temporary name and renamed over the
 * old one, so a crash mid-write leaves the previous state whole.
 */
export class FileRolloutStore implements RolloutStore {
  readonly shared = false;
  private readonly file: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string) {
    this.file = join(dir, 'rollouts.json');
  }

  async load(): Promise<Map<string, RolloutState>> {
    try {
      return toMap(JSON.parse(await readFile(this.file, 'utf8')) as unknown);
    } catch {
      // No file yet, or an unreadable one: no rollout survives it, the next commit starts one.
      return new Map();
    }
  }

  save(states: ReadonlyMap<string, RolloutState>): Promise<void> {
    const text = JSON.stringify({ rollouts: Object.fromEntries(states) });
    // Writes in order: a later state never lands under an earlier one.
    this.writing = this.writing.then(async () => {
      await mkdir(this.dir, { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, this.file);
    });
    return this.writing.catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.writing.catch(() => undefined);
  }
}

/** Reads `{rollouts: {key: state}}`, dropping entries that are not states. */
export function toMap(value: unknown): Map<string, RolloutState> {
  const out = new Map<string, RolloutState>();
  const rollouts = (value as { rollouts?: unknown } | null)?.rollouts;
  if (typeof rollouts !== 'object' || rollouts === null) return out;
  for (const [key, state] of Object.entries(rollouts)) {
    const s = state as Partial<RolloutState>;
    if (typeof s.canaryId === 'string' && Array.isArray(s.cohort) && typeof s.step === 'number')
      out.set(key, state as RolloutState);
  }
  return out;
}
