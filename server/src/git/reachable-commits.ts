import type { LabelMove } from './label-table.js';
import type { GitObject } from './object-reader.js';
import { runGit } from './run-git.js';
import { parseCommit } from './snapshot.js';

export interface ReachableCommitsOptions {
  /** The git directory. */
  gitDir: string;
  /** Reads an object (the repository's one `cat-file --batch`). */
  read(rev: string): Promise<GitObject | null>;
}

/** Past this many new commits in one move, listing everything again is cheaper than walking. */
const MAX_WALK = 5_000;

/**
 * The commits some branch, tag or HEAD reaches (DESIGN §7: a commit id is a label only
 * while one does, so a commit force-pushed away stops being readable at once, not at the
 * next `git gc`). Kept current when refs move, so asking costs a set lookup: a branch
 * that moves forward adds the new commits (walked through the object reader, usually
 * one); anything else — a force-push, a deleted branch or tag — lists them all again.
 */
export class ReachableCommits {
  private commits = new Set<string>();

  constructor(private readonly options: ReachableCommitsOptions) {}

  /** True when a branch, tag or HEAD reaches the commit (a full id). */
  has(commitId: string): boolean {
    return this.commits.has(commitId);
  }

  /** Lists every reachable commit again (at start-up, and after refs moved backwards). */
  async rebuild(labels: ReadonlyMap<string, string>): Promise<void> {
    const head = labels.get('HEAD');
    const out = await runGit(['rev-list', '--branches', '--tags', ...(head ? [head] : [])], {
      cwd: this.options.gitDir,
      timeoutMs: 120_000,
    });
    this.commits = new Set(out.split('\n').filter(Boolean));
  }

  /**
   * Follows label moves: adds what moved forward, lists all again when anything left.
   * @returns true when commits may have stopped being reachable (the set was rebuilt).
   */
  async update(moves: readonly LabelMove[], labels: ReadonlyMap<string, string>): Promise<boolean> {
    let lost = false;
    for (const move of moves) {
      if (move.to === undefined) {
        lost = true;
        continue;
      }
      const walk = await this.walk(move.to, move.from);
      if (!walk) {
        await this.rebuild(labels);
        return true;
      }
      // Added at once, so HEAD moving with its branch walks nothing twice.
      for (const id of walk.added) this.commits.add(id);
      if (move.from !== undefined && !walk.reachedFrom) lost = true;
    }
    // A label that left its old commit may have been the only way to it.
    if (lost) await this.rebuild(labels);
    return lost;
  }

  /**
   * Commits reachable from `tip` not yet known, and whether `from` is among its
   * ancestors; undefined when the walk grows past MAX_WALK or an object is unreadable.
   */
  private async walk(
    tip: string,
    from: string | undefined,
  ): Promise<{ added: string[]; reachedFrom: boolean } | undefined> {
    const added: string[] = [];
    const seen = new Set<string>();
    const todo = [tip];
    let reachedFrom = false;
    while (todo.length > 0) {
      const id = todo.pop() as string;
      if (id === from) reachedFrom = true;
      if (seen.has(id) || this.commits.has(id)) continue;
      seen.add(id);
      if (added.length >= MAX_WALK) return undefined;
      const obj = await this.options.read(id).catch(() => null);
      if (!obj || obj.type !== 'commit') return undefined;
      added.push(id);
      todo.push(...parseCommit(id, obj.data).parents);
    }
    return { added, reachedFrom };
  }
}
