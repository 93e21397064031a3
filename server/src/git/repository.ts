import { LRUCache } from 'lru-cache';
import { NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import { LabelTable, type LabelMove } from './label-table.js';
import { ObjectReadError, ObjectTooLargeError } from './object-read-error.js';
import { ObjectReader } from './object-reader.js';
import { openLocal } from './open-local.js';
import { ReachableCommits } from './reachable-commits.js';
import { RemoteMirror } from './remote-mirror.js';
import { runGit } from './run-git.js';
import { parseTree, type CommitInfo, type Snapshot, type TreeEntry } from './snapshot.js';
import { readCommit, readSnapshot, type SnapshotFiles } from './snapshot-reader.js';

export type { LabelMove } from './label-table.js';
export type { SnapshotFiles } from './snapshot-reader.js';

/** How a repository was reached: a local folder we watch, or a remote we mirror and poll. */
export type RepositoryKind = 'local' | 'remote';

export interface RepositoryOptions {
  /** Local path or remote URL. */
  repo: string;
  /** Where remotes are cloned. */
  cacheDir: string;
  /** Label served when a request names none; default: the branch HEAD names, else main, else master. */
  label?: string | undefined;
  /** Which files are config and schemas. */
  files: SnapshotFiles;
  /** Blobs over this many bytes are refused (HOTCONF_MAX_FILE_BYTES). Default: no limit. */
  maxFileBytes?: number | undefined;
  logger: Logger;
}

const REMOTE_URL = /^(https?:\/\/|ssh:\/\/|git:\/\/|file:\/\/|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)/;
const HEX_ID = /^[0-9a-f]{4,64}$/;
/** Snapshots kept: each is a few maps of names to ids. */
const MAX_SNAPSHOTS = 500;
/** Trees kept: a folder-per-service repository has one per service. */
const MAX_TREES = 20_000;
/** Commit-id labels remembered for withdrawal: more than the documents a publisher holds. */
const MAX_COMMIT_LABELS = 50_000;

/** True when `repo` is a URL to clone rather than a local path. */
export function isRemote(repo: string): boolean {
  return REMOTE_URL.test(repo);
}

/**
 * One git repository, opened by `open-local` or `remote-mirror`: its labels (and the
 * commits they reach), and snapshots read from git objects through one `cat-file --batch`.
 */
export class Repository {
  private readonly reader: ObjectReader;
  private readonly labels: LabelTable;
  private readonly reachable: ReachableCommits;
  private readonly snapshots = new LRUCache<string, Promise<Snapshot>>({ max: MAX_SNAPSHOTS });
  /** Parsed trees by id, so search folders a commit did not touch are not read again. */
  private readonly treeCache = new LRUCache<string, TreeEntry[]>({ max: MAX_TREES });
  /** Blobs refused as over HOTCONF_MAX_FILE_BYTES → their size. */
  private readonly oversized = new LRUCache<string, number>({ max: 10_000 });
  /** Commit ids asked for as labels (as typed) → the commit, to withdraw once unreachable. */
  private readonly commitLabels = new LRUCache<string, string>({ max: MAX_COMMIT_LABELS });
  private oidBytes = 20;
  private chosenLabel = 'HEAD';

  private constructor(
    readonly kind: RepositoryKind,
    /** The git directory objects and refs live in (common dir for worktrees). */
    readonly gitDir: string,
    /** Search path inside the repository, '' or ending in '/'. */
    readonly prefix: string,
    private readonly options: RepositoryOptions,
    private readonly mirror: RemoteMirror | undefined,
  ) {
    this.reader = new ObjectReader(gitDir, { maxBlobBytes: options.maxFileBytes });
    const read = (rev: string) => this.reader.read(rev);
    this.labels = new LabelTable({ gitDir, read });
    this.reachable = new ReachableCommits({ gitDir, read });
  }

  /**
   * Opens `options.repo`. A remote is cloned (or fetched, when its mirror is already
   * cached); a plain folder is initialised with one commit.
   * @throws Error with a message fit for an operator (no credentials) when it cannot.
   */
  static async open(options: RepositoryOptions): Promise<Repository> {
    const { logger } = options;
    let repo: Repository;
    if (isRemote(options.repo)) {
      const mirror = await RemoteMirror.open(options.repo, options.cacheDir, logger);
      repo = new Repository('remote', mirror.gitDir, '', options, mirror);
    } else {
      const local = await openLocal(options.repo, logger);
      repo = new Repository('local', local.gitDir, local.prefix, options, undefined);
    }
    try {
      const format = await runGit(['rev-parse', '--show-object-format'], {
        cwd: repo.gitDir,
      }).catch(() => 'sha1');
      repo.oidBytes = format.trim() === 'sha256' ? 32 : 20;
      await repo.labels.refresh();
      await repo.reachable.rebuild(repo.labels.table);
      repo.chosenLabel = options.label ?? (await repo.detectDefaultLabel());
      if (!(await repo.resolveLabel(repo.defaultLabel))) {
        throw new Error(
          `the repository has no branch, tag or commit "${repo.defaultLabel}" to serve by default`,
        );
      }
      for (const name of repo.labels.ambiguous()) {
        logger.warn({ label: name }, 'a branch and a tag share this name; the tag is served');
      }
    } catch (error) {
      repo.close();
      throw error;
    }
    return repo;
  }

  /** Label served when a request names none (HOTCONF_LABEL, or found at open). */
  get defaultLabel(): string {
    return this.chosenLabel;
  }

  /**
   * Commit id a label points at now; null when it names nothing. A commit id counts only
   * while a branch, tag or HEAD reaches it. Labels are pre-validated. Never runs a git
   * command: label and reachability tables are kept current when refs move.
   */
  async resolveLabel(label: string): Promise<string | null> {
    const known = this.labels.table.get(label);
    if (known) return known;
    if (!HEX_ID.test(label)) return null;
    const obj = await this.reader.read(`${label}^{commit}`);
    if (!obj || obj.type !== 'commit' || !this.reachable.has(obj.oid)) return null;
    this.commitLabels.set(label, obj.oid);
    return obj.oid;
  }

  /** Like `resolveLabel`, for callers that answer a request. @throws NotFoundError (404). */
  async headOf(label: string): Promise<string> {
    const head = await this.resolveLabel(label);
    if (!head) throw new NotFoundError('HC_LABEL_NOT_FOUND', `label ${label} does not exist`);
    return head;
  }

  /** Labels (branches, tags, HEAD) and their commits as last read. */
  labelTable(): ReadonlyMap<string, string> {
    return this.labels.table;
  }

  /** Names that are both a branch and a tag; the tag is what they serve (as in git). */
  ambiguousLabels(): readonly string[] {
    return this.labels.ambiguous();
  }

  /** True when `label` names a branch or tag that can move (not a commit id). */
  isMovable(label: string): boolean {
    return this.labels.table.has(label);
  }

  /**
   * Re-reads branches and tags; returns the labels whose commit changed, and commit ids
   * served as labels that no branch or tag reaches any more (moved to nothing).
   */
  async refreshLabels(): Promise<LabelMove[]> {
    const moves = await this.labels.refresh();
    if (moves.length === 0 || !(await this.reachable.update(moves, this.labels.table)))
      return moves;
    for (const [label, commit] of [...this.commitLabels.entries()]) {
      if (this.reachable.has(commit)) continue;
      this.commitLabels.delete(label);
      moves.push({ label, from: commit, to: undefined });
    }
    return moves;
  }

  /**
   * Fetches a remote into its mirror, recovering from leftovers of an interrupted fetch
   * (and, after repeated failures, by cloning afresh). No-op for a local repository.
   * @throws GitCommandError when the remote cannot be fetched.
   */
  async fetch(): Promise<void> {
    // After a fresh clone the object reader carries on: git looks objects up by path and
    // rescans the pack folder when one is not found, so it finds the new mirror's objects.
    await this.mirror?.fetch();
  }

  /** Reads the config files of a commit. Cached: a commit never changes; a failure is not kept. */
  snapshot(commitId: string): Promise<Snapshot> {
    let cached = this.snapshots.get(commitId);
    if (!cached) {
      const reading = readSnapshot(this.trees(), commitId);
      reading.catch(() => {
        if (this.snapshots.get(commitId) === reading) this.snapshots.delete(commitId);
      });
      this.snapshots.set(commitId, reading);
      cached = reading;
    }
    return cached;
  }

  /**
   * Reads a blob's bytes by id.
   * @throws ObjectReadError when it is missing, unreadable or over HOTCONF_MAX_FILE_BYTES.
   */
  async readBlob(oid: string): Promise<Buffer> {
    // A blob's size never changes: one that was too big is refused without asking git
    // again, so asking for many documents that use it streams its bytes past only once.
    const size = this.oversized.get(oid);
    if (size !== undefined)
      throw new ObjectTooLargeError(oid, size, this.options.maxFileBytes ?? 0);
    const obj = await this.reader.read(oid).catch((error: unknown) => {
      if (error instanceof ObjectTooLargeError) this.oversized.set(oid, error.size);
      throw error;
    });
    if (!obj || obj.type !== 'blob') throw new ObjectReadError(oid, 'is missing');
    return obj.data;
  }

  /**
   * The bytes of the file at `file` (repository-relative, `/`-separated) in a commit, or
   * undefined when there is none: for Spring's plain-text endpoint. Reads only the trees
   * along the path.
   * @throws ObjectReadError when an object on the way is unreadable or over the size limit.
   */
  async readFileAt(commitId: string, file: string): Promise<Buffer | undefined> {
    const { read, oidBytes } = this.trees();
    let oid: string | undefined = (await readCommit(read, commitId)).tree;
    const parts = file.split('/');
    for (let i = 0; i < parts.length && oid !== undefined; i++) {
      const tree = await read(oid);
      if (!tree || tree.type !== 'tree') return undefined;
      const entry = parseTree(tree.data, oidBytes).find((e) => e.name === parts[i]);
      const last = i === parts.length - 1;
      if (!entry || (last ? !entry.mode.startsWith('100') : entry.mode !== '40000'))
        return undefined;
      oid = entry.oid;
    }
    return oid === undefined ? undefined : this.readBlob(oid);
  }

  /** Commit metadata by id. */
  async commitInfo(commitId: string): Promise<CommitInfo> {
    const { tree: _tree, ...info } = await readCommit(this.trees().read, commitId);
    return info;
  }

  /** Up to `limit` commits reachable from `head` that touched the search path, newest first. */
  async commitsTouching(head: string, limit: number, paths: string[] = []): Promise<string[]> {
    const scope = paths.length > 0 ? paths.map((p) => this.prefix + p) : [this.prefix || '.'];
    const out = await runGit(['rev-list', `--max-count=${limit}`, head, '--', ...scope], {
      cwd: this.gitDir,
    });
    return out.split('\n').filter(Boolean);
  }

  /** Stops the object reader. */
  close(): void {
    this.reader.close();
  }

  /** What reading a snapshot needs. */
  private trees() {
    const { reader, prefix, oidBytes, treeCache } = this;
    const read = (rev: string) => reader.read(rev);
    return { read, files: this.options.files, prefix, oidBytes, treeCache };
  }

  /** The branch HEAD names where it exists; otherwise `main`, then `master`, as Spring. */
  private async detectDefaultLabel(): Promise<string> {
    const named = (
      await runGit(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: this.gitDir }).catch(
        () => '',
      )
    ).trim();
    // A detached HEAD names a commit: serve what is checked out.
    if (!named) return 'HEAD';
    const table = this.labels.table;
    const found = [named, 'main', 'master'].find((label) => table.has(label));
    if (found && found !== named) {
      this.options.logger.warn(
        { head: named, label: found },
        'HEAD names a branch that does not exist; serving this branch by default',
      );
    }
    return found ?? named;
  }
}
