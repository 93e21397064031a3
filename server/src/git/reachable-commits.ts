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
   * A label's old commit stays reachable when a walk from some new tip stops at it, or a
   * label still names it; then so does everything behind it. Otherwise it may have been
   * the only way to some commits, and the set is listed again.
   * @returns true when commits may have stopped being reachable (the set was rebuilt).
   */
  async update(moves: readonly LabelMove[], labels: ReadonlyMap<string, string>): Promise<boolean> {
    const kept = new Set(labels.values());
    for (const move of moves) {
      if (move.to !== undefined && !(await this.walk(move.to, kept))) {
        await this.rebuild(labels);
        return true;
      }
    }
    const lost = moves.some((move) => move.from !== undefined && !kept.has(move.from));
    if (lost) await this.rebuild(labels);
    return lost;
  }

  /**
   * Adds the commits reachable from `tip` not yet known, noting in `stops` the known ones
   * the walk stopped at; false when the walk grows past MAX_WALK or an object is unreadable.
   */
  private async walk(tip: string, stops: Set<string>): Promise<boolean> {
    const todo = [tip];
    let added = 0;
    while (todo.length > 0) {
      const id = todo.pop() as string;
      if (this.commits.has(id)) {
        stops.add(id);
        continue;
      }
      if (++added > MAX_WALK) return false;
      const obj = await this.options.read(id).catch(() => null);
      if (!obj || obj.type !== 'commit') return false;
      // Added at once, so HEAD moving with its branch walks nothing twice.
      this.commits.add(id);
      todo.push(...parseCommit(id, obj.data).parents);
    }
    return true;
  }
}
