import { LRUCache } from 'lru-cache';
import type { GitObject } from './object-reader.js';
import { readRefFiles, refTable, type RefTable } from './ref-files.js';
import { GitCommandError, runGit } from './run-git.js';

/** A moved label: what the publisher re-evaluates. */
export interface LabelMove {
  label: string;
  from: string | undefined;
  to: string | undefined;
}

export interface LabelTableOptions {
  /** The git directory refs live in. */
  gitDir: string;
  /** Reads an object (the repository's one `cat-file --batch`). */
  read(rev: string): Promise<GitObject | null>;
}

/**
 * Branches, tags and HEAD, and the commit each names now. A name that is both a branch
 * and a tag serves the tag, as git resolves it; such names are listed by `ambiguous()`.
 */
export class LabelTable {
  private labels = new Map<string, string>();
  private ambiguousNames: readonly string[] = [];
  /** Tag object → the commit it names (objects never change); bounded, tags come and go. */
  private readonly peeled = new LRUCache<string, string | false>({ max: 10_000 });

  constructor(private readonly options: LabelTableOptions) {}

  /** Label → commit as last read. */
  get table(): ReadonlyMap<string, string> {
    return this.labels;
  }

  /** Names that are a branch and a tag at once (the tag is served), sorted. */
  ambiguous(): readonly string[] {
    return this.ambiguousNames;
  }

  /**
   * Re-reads branches and tags; returns the labels whose commit changed. Reads git's ref
   * files directly; a label that seems to vanish (say, mid `git pack-refs`) is confirmed
   * by asking git before anything is treated as deleted.
   */
  async refresh(): Promise<LabelMove[]> {
    let next = await readRefFiles(this.options.gitDir, (oid) => this.peel(oid)).catch(
      () => undefined,
    );
    if (!next || [...this.labels.keys()].some((label) => !next?.labels.has(label)))
      next = await this.showRefs();
    return this.apply(next);
  }

  /** The commit a ref's object finally names: annotated tags are followed; null otherwise. */
  private async peel(oid: string): Promise<string | null> {
    const known = this.peeled.get(oid);
    if (known !== undefined) return known || null;
    const obj = await this.options.read(`${oid}^{commit}`);
    const commit = obj && obj.type === 'commit' ? obj.oid : null;
    this.peeled.set(oid, commit ?? false);
    return commit;
  }

  /** Branches, tags and HEAD as `git show-ref` lists them. */
  private async showRefs(): Promise<RefTable> {
    const out = await runGit(['show-ref', '--head', '--dereference'], {
      cwd: this.options.gitDir,
    }).catch((error: unknown) => {
      // show-ref exits 1 when there are no refs at all.
      if (error instanceof GitCommandError && error.exitCode === 1) return '';
      throw error;
    });
    const branches = new Map<string, string>();
    const tags = new Map<string, string>();
    let head: string | undefined;
    for (const line of out.split('\n')) {
      const [oid, ref] = line.split(' ');
      if (!oid || !ref) continue;
      if (ref === 'HEAD') head = oid;
      else if (ref.startsWith('refs/heads/')) branches.set(ref.slice(11), oid);
      else if (ref.startsWith('refs/tags/')) {
        // Peeled lines (`^{}`) come after the tag itself and carry the commit.
        tags.set(ref.slice(10).replace(/\^\{\}$/, ''), oid);
      }
    }
    return refTable(branches, tags, head);
  }

  private apply(next: RefTable): LabelMove[] {
    const moves: LabelMove[] = [];
    for (const [label, to] of next.labels) {
      const from = this.labels.get(label);
      if (from !== to) moves.push({ label, from, to });
    }
    for (const [label, from] of this.labels) {
      if (!next.labels.has(label)) moves.push({ label, from, to: undefined });
    }
    this.labels = next.labels;
    this.ambiguousNames = next.ambiguous;
    return moves;
  }
}
