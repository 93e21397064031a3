import { createHash } from 'node:crypto';
import { access, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { CONFIG_FILE, SCHEMA_FILE } from '../config/names.js';
import { NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import { ObjectReader } from './object-reader.js';
import { GitCommandError, redactCredentials, runGit } from './run-git.js';
import { readRefFiles } from './ref-files.js';
import {
  parseCommit,
  parseTree,
  type CommitInfo,
  type Snapshot,
  type TreeEntry,
} from './snapshot.js';

/** How a repository was reached: a local folder we watch, or a remote we mirror and poll. */
export type RepositoryKind = 'local' | 'remote';

export interface RepositoryOptions {
  /** Local path or remote URL. */
  repo: string;
  /** Folder inside the repository holding config files; overrides the one `repo` names. */
  searchPath?: string | undefined;
  /** Where remotes are cloned. */
  cacheDir: string;
  /** Label served when a request names none; default: the repository's default branch. */
  label?: string | undefined;
  logger: Logger;
}

/** A moved label: what the publisher re-evaluates. */
export interface LabelMove {
  label: string;
  from: string | undefined;
  to: string | undefined;
}

const REMOTE_URL = /^(https?:\/\/|ssh:\/\/|git:\/\/|file:\/\/|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)/;
const HEX_ID = /^[0-9a-f]{4,64}$/;

/** True when `repo` is a URL to clone rather than a local path. */
export function isRemote(repo: string): boolean {
  return REMOTE_URL.test(repo);
}

/**
 * One git repository: opening (local folder, folder inside a larger repository, plain
 * folder to initialise, or a remote mirrored into the cache), the label table, and
 * snapshots read from git objects through one `cat-file --batch` process.
 */
export class Repository {
  private readonly reader: ObjectReader;
  private labels = new Map<string, string>();
  private readonly snapshots = new Map<string, Promise<Snapshot>>();
  private oidBytes = 20;
  /** Tag object → the commit it names (objects never change). */
  private readonly peeled = new Map<string, string | null>();

  private constructor(
    readonly kind: RepositoryKind,
    /** The git directory objects and refs live in (common dir for worktrees). */
    readonly gitDir: string,
    /** Search path inside the repository, '' or ending in '/'. */
    readonly prefix: string,
    /** Label served when a request names none. */
    readonly defaultLabel: string,
    private readonly logger: Logger,
  ) {
    this.reader = new ObjectReader(gitDir);
  }

  /**
   * Opens `options.repo`. A remote is cloned (or fetched, when its mirror is already
   * cached); a plain folder is initialised with one commit.
   * @throws Error with a message fit for an operator (no credentials) when it cannot.
   */
  static async open(options: RepositoryOptions): Promise<Repository> {
    const { logger } = options;
    let kind: RepositoryKind;
    let gitDir: string;
    let prefix = '';
    if (isRemote(options.repo)) {
      kind = 'remote';
      gitDir = await mirrorRemote(options.repo, options.cacheDir, logger);
    } else {
      kind = 'local';
      const dir = path.resolve(options.repo);
      await access(dir).catch(() => {
        throw new Error(`repository folder ${options.repo} does not exist`);
      });
      ({ gitDir, prefix } = await locateLocal(dir, logger));
    }
    if (options.searchPath !== undefined) prefix = normalisePrefix(options.searchPath);
    const defaultLabel = options.label ?? (await detectDefaultLabel(gitDir));
    const repo = new Repository(kind, gitDir, prefix, defaultLabel, logger);
    const format = await runGit(['rev-parse', '--show-object-format'], { cwd: gitDir }).catch(
      () => 'sha1',
    );
    repo.oidBytes = format.trim() === 'sha256' ? 32 : 20;
    await repo.refreshLabels();
    if (!(await repo.resolveLabel(defaultLabel))) {
      repo.close();
      throw new Error(
        `the repository has no branch, tag or commit "${defaultLabel}" to serve by default`,
      );
    }
    return repo;
  }

  /** Commit id a label points at now; null when it names nothing. Labels are pre-validated. */
  async resolveLabel(label: string): Promise<string | null> {
    const known = this.labels.get(label);
    if (known) return known;
    if (!HEX_ID.test(label)) return null;
    const obj = await this.reader.read(`${label}^{commit}`);
    return obj && obj.type === 'commit' ? obj.oid : null;
  }

  /** Like `resolveLabel`, for callers that answer a request. @throws NotFoundError (404). */
  async headOf(label: string): Promise<string> {
    const head = await this.resolveLabel(label);
    if (!head) throw new NotFoundError('HC_LABEL_NOT_FOUND', `label ${label} does not exist`);
    return head;
  }

  /** Labels (branches, tags, HEAD) and their commits as last read. */
  labelTable(): ReadonlyMap<string, string> {
    return this.labels;
  }

  /** True when `label` names a branch or tag that can move (not a commit id). */
  isMovable(label: string): boolean {
    return this.labels.has(label);
  }

  /**
   * Re-reads branches and tags; returns the labels whose commit changed. Reads git's ref
   * files directly; a label that seems to vanish (say, mid `git pack-refs`) is confirmed
   * by asking git before anything is treated as deleted.
   */
  async refreshLabels(): Promise<LabelMove[]> {
    let next = await readRefFiles(this.gitDir, (oid) => this.peel(oid)).catch(() => undefined);
    if (!next || [...this.labels.keys()].some((label) => !next?.has(label)))
      next = await this.showRefs();
    return this.applyLabels(next);
  }

  /** The commit a ref's object finally names: annotated tags are followed; null otherwise. */
  private async peel(oid: string): Promise<string | null> {
    const known = this.peeled.get(oid);
    if (known !== undefined) return known;
    const obj = await this.reader.read(`${oid}^{commit}`);
    const commit = obj && obj.type === 'commit' ? obj.oid : null;
    this.peeled.set(oid, commit);
    return commit;
  }

  /** Branches, tags and HEAD as `git show-ref` lists them. */
  private async showRefs(): Promise<Map<string, string>> {
    const out = await runGit(['show-ref', '--head', '--dereference'], { cwd: this.gitDir }).catch(
      (error: unknown) => {
        // show-ref exits 1 when there are no refs at all.
        if (error instanceof GitCommandError && error.exitCode === 1) return '';
        throw error;
      },
    );
    const next = new Map<string, string>();
    const tags = new Map<string, string>();
    for (const line of out.split('\n')) {
      const [oid, ref] = line.split(' ');
      if (!oid || !ref) continue;
      if (ref === 'HEAD') next.set('HEAD', oid);
      else if (ref.startsWith('refs/heads/')) next.set(ref.slice(11), oid);
      else if (ref.startsWith('refs/tags/')) {
        // Peeled lines (`^{}`) come after the tag itself and carry the commit.
        const name = ref.slice(10).replace(/\^\{\}$/, '');
        tags.set(name, oid);
      }
    }
    for (const [name, oid] of tags) if (!next.has(name)) next.set(name, oid);
    return next;
  }

  private applyLabels(next: Map<string, string>): LabelMove[] {
    const moves: LabelMove[] = [];
    for (const [label, to] of next) {
      const from = this.labels.get(label);
      if (from !== to) moves.push({ label, from, to });
    }
    for (const [label, from] of this.labels) {
      if (!next.has(label)) moves.push({ label, from, to: undefined });
    }
    this.labels = next;
    return moves;
  }

  /** Fetches a remote into its mirror. No-op for a local repository. */
  async fetch(): Promise<void> {
    if (this.kind !== 'remote') return;
    await runGit(['fetch', '--prune', '--quiet', 'origin'], {
      cwd: this.gitDir,
      timeoutMs: 120_000,
    });
  }

  /** Reads the config files of a commit. Cached: a commit never changes. */
  snapshot(commitId: string): Promise<Snapshot> {
    let cached = this.snapshots.get(commitId);
    if (!cached) {
      cached = this.readSnapshot(commitId);
      cached.catch(() => this.snapshots.delete(commitId));
      this.snapshots.set(commitId, cached);
      if (this.snapshots.size > 500) {
        const oldest = this.snapshots.keys().next().value;
        if (oldest !== undefined) this.snapshots.delete(oldest);
      }
    }
    return cached;
  }

  /**
   * The bytes of the file at `file` (repository-relative, `/`-separated) in a commit, or
   * undefined when there is none: for Spring's plain-text endpoint. Reads tree objects only
   * along the path.
   */
  async readFileAt(commitId: string, file: string): Promise<Buffer | undefined> {
    const commitObj = await this.reader.read(commitId);
    if (!commitObj || commitObj.type !== 'commit') return undefined;
    let oid: string | undefined = parseCommit(commitObj.oid, commitObj.data).tree;
    const parts = file.split('/');
    for (let i = 0; i < parts.length && oid; i++) {
      const entries: TreeEntry[] = await this.readTree(oid);
      const entry = entries.find((e) => e.name === parts[i]);
      const last = i === parts.length - 1;
      if (!entry || (last ? !entry.mode.startsWith('100') : entry.mode !== '40000'))
        return undefined;
      oid = entry.oid;
    }
    return oid ? this.readBlob(oid) : undefined;
  }

  /** Reads a blob's bytes by id. */
  async readBlob(oid: string): Promise<Buffer> {
    const obj = await this.reader.read(oid);
    if (!obj || obj.type !== 'blob') throw new Error(`blob ${oid} is missing`);
    return obj.data;
  }

  /** Commit metadata by id. */
  async commitInfo(commitId: string): Promise<CommitInfo> {
    const obj = await this.reader.read(commitId);
    if (!obj || obj.type !== 'commit') throw new Error(`commit ${commitId} is missing`);
    const { tree: _tree, ...info } = parseCommit(obj.oid, obj.data);
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

  private async readSnapshot(commitId: string): Promise<Snapshot> {
    const commitObj = await this.reader.read(commitId);
    if (!commitObj || commitObj.type !== 'commit') throw new Error(`commit ${commitId} is missing`);
    const { tree, ...commit } = parseCommit(commitObj.oid, commitObj.data);
    const files = new Map<string, string>();
    const schemas = new Map<string, string>();
    let treeId: string | undefined = tree;
    for (const segment of this.prefix.split('/').filter(Boolean)) {
      treeId = treeId
        ? (await this.readTree(treeId)).find((e) => e.name === segment && e.mode === '40000')?.oid
        : undefined;
    }
    if (treeId) {
      for (const entry of await this.readTree(treeId)) {
        if (entry.mode === '40000' && entry.name === 'schemas') {
          for (const s of await this.readTree(entry.oid)) {
            const m = SCHEMA_FILE.exec(s.name);
            if (m && s.mode.startsWith('100')) schemas.set(m[1] as string, s.oid);
          }
        } else if (entry.mode.startsWith('100') && CONFIG_FILE.test(entry.name)) {
          files.set(entry.name, entry.oid);
        }
      }
    }
    return { commit, files, schemas, prefix: this.prefix };
  }

  private async readTree(oid: string) {
    const obj = await this.reader.read(oid);
    if (!obj || obj.type !== 'tree') return [];
    return parseTree(obj.data, this.oidBytes);
  }
}

function normalisePrefix(p: string): string {
  const clean = p
    .split('/')
    .filter((s) => s && s !== '.')
    .join('/');
  return clean ? `${clean}/` : '';
}

async function detectDefaultLabel(gitDir: string): Promise<string> {
  const branch = await runGit(['symbolic-ref', '--quiet', '--short', 'HEAD'], {
    cwd: gitDir,
  }).catch(() => '');
  return branch.trim() || 'HEAD';
}

async function locateLocal(
  dir: string,
  logger: Logger,
): Promise<{ gitDir: string; prefix: string }> {
  try {
    const out = await runGit(
      ['rev-parse', '--is-bare-repository', '--git-common-dir', '--show-prefix'],
      { cwd: dir },
    );
    const [bare, common, prefix] = out.split('\n');
    const gitDir = path.resolve(dir, common ?? '.git');
    return { gitDir, prefix: bare === 'true' ? '' : normalisePrefix(prefix ?? '') };
  } catch (error) {
    if (!(error instanceof GitCommandError) || !/not a git repository/i.test(error.stderr))
      throw error;
  }
  // A plain folder: make it a repository so every later change is a commit.
  const entries = await readdir(dir);
  const git = simpleGit(dir);
  await git.init(['-b', 'main']);
  await git.add('-A');
  await git
    .addConfig('user.name', 'hotconf', false, 'local')
    .addConfig('user.email', 'hotconf@localhost', false, 'local');
  await git.commit('hotconf: initial import', undefined, { '--allow-empty': null });
  logger.info(
    { files: entries.length },
    'initialised the config folder as a git repository with one commit',
  );
  return { gitDir: path.join(dir, '.git'), prefix: '' };
}

async function mirrorRemote(url: string, cacheDir: string, logger: Logger): Promise<string> {
  const name = createHash('sha256').update(url).digest('hex').slice(0, 16);
  const dir = path.resolve(cacheDir, `${name}.git`);
  const safe = redactCredentials(url);
  const exists = await access(path.join(dir, 'HEAD')).then(
    () => true,
    () => false,
  );
  try {
    if (exists) {
      await runGit(['fetch', '--prune', '--quiet', 'origin'], { cwd: dir, timeoutMs: 120_000 });
      logger.info({ remote: safe }, 'fetched the cached mirror of the remote');
    } else {
      await mkdir(path.dirname(dir), { recursive: true });
      await runGit(['clone', '--mirror', '--quiet', '--', url, dir], {
        cwd: path.dirname(dir),
        timeoutMs: 120_000,
      });
      logger.info({ remote: safe }, 'cloned the remote repository');
    }
  } catch (error) {
    const reason =
      error instanceof GitCommandError
        ? error.stderr.replaceAll(url, safe).trim().split('\n').pop()
        : String(error);
    throw new Error(`cannot reach the config repository ${safe}: ${reason ?? 'git failed'}`);
  }
  return dir;
}
