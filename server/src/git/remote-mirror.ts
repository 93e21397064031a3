import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { GitCommandError, redactCredentials, runGit } from './run-git.js';

/** After this many failed fetches in a row (cleaning up did not help), clone afresh. */
export const RECLONE_AFTER = 3;

const FETCH_TIMEOUT_MS = 120_000;
/**
 * `git gc --auto` runs in the foreground, so nothing writes the mirror once a fetch has
 * returned and leftovers of a failed one can be removed safely.
 */
const FETCH = ['-c', 'gc.autoDetach=false', 'fetch', '--prune', '--quiet', 'origin'];

/** What a fetch did. */
export type FetchOutcome = 'fetched' | 'recloned';

/**
 * A remote repository mirrored into the cache dir (`git clone --mirror`) and fetched on
 * demand. A fetch that fails removes what an interrupted fetch leaves behind (temporary
 * object and pack files, ref locks: after a full disk they fail every later fetch) and
 * tries once more; after RECLONE_AFTER failures in a row the mirror is cloned afresh.
 */
export class RemoteMirror {
  private failures = 0;

  private constructor(
    private readonly url: string,
    /** The mirror's git directory. */
    readonly gitDir: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Clones the remote into `cacheDir`, or fetches the mirror already there.
   * @throws Error naming `HOTCONF_CACHE_DIR` when the cache dir is unusable, or saying the
   * remote cannot be reached; neither names a server path or a credential.
   */
  static async open(url: string, cacheDir: string, logger: Logger): Promise<RemoteMirror> {
    const name = createHash('sha256').update(url).digest('hex').slice(0, 16);
    const root = path.resolve(cacheDir);
    const dir = path.join(root, `${name}.git`);
    await checkCacheDir(root, dir);
    const mirror = new RemoteMirror(url, dir, logger);
    const safe = redactCredentials(url);
    const exists = await access(path.join(dir, 'HEAD')).then(
      () => true,
      () => false,
    );
    try {
      if (exists) {
        // A cached mirror that cannot be fetched even after cleaning up is cloned afresh:
        // a mirror broken on disk must not keep the server from starting.
        await mirror.fetch().catch(() => mirror.reclone());
        logger.info({ remote: safe }, 'fetched the cached mirror of the remote');
      } else {
        await mirror.clone(dir);
        logger.info({ remote: safe }, 'cloned the remote repository');
      }
    } catch (error) {
      const reason =
        error instanceof GitCommandError
          ? error.stderr.replaceAll(url, safe).split(root).join('HOTCONF_CACHE_DIR').trim()
          : String(error);
      throw new Error(
        `cannot reach the config repository ${safe}: ${reason.split('\n').pop() || 'git failed'}`,
      );
    }
    return mirror;
  }

  /**
   * Fetches, recovering by itself from what an interrupted fetch left behind.
   * @throws GitCommandError when the remote still cannot be fetched.
   */
  async fetch(): Promise<FetchOutcome> {
    try {
      await runGit(FETCH, { cwd: this.gitDir, timeoutMs: FETCH_TIMEOUT_MS });
      this.failures = 0;
      return 'fetched';
    } catch (error) {
      this.failures++;
      const removed = await removeLeftovers(this.gitDir);
      if (removed > 0) {
        this.logger.warn(
          { removed },
          'removed leftovers of an interrupted fetch from the mirror; fetching again',
        );
        try {
          await runGit(FETCH, { cwd: this.gitDir, timeoutMs: FETCH_TIMEOUT_MS });
          this.failures = 0;
          return 'fetched';
        } catch {
          // counted above; fall through to a fresh clone or the caller
        }
      }
      if (this.failures < RECLONE_AFTER) throw error;
      this.logger.warn(
        { failures: this.failures },
        'the mirror of the remote failed every fetch; cloning it afresh',
      );
      await this.reclone();
      this.failures = 0;
      return 'recloned';
    }
  }

  /** Clones into a fresh folder beside the mirror, then puts it in the mirror's place. */
  private async reclone(): Promise<void> {
    const fresh = `${this.gitDir}.fresh-${process.pid}`;
    const old = `${this.gitDir}.old-${process.pid}`;
    await rm(fresh, { recursive: true, force: true });
    await this.clone(fresh);
    await rm(old, { recursive: true, force: true });
    await rename(this.gitDir, old);
    await rename(fresh, this.gitDir);
    await rm(old, { recursive: true, force: true }).catch((error: unknown) =>
      this.logger.warn({ err: (error as Error).message }, 'could not remove the old mirror'),
    );
  }

  private async clone(dir: string): Promise<void> {
    await runGit(['clone', '--mirror', '--quiet', '--', this.url, dir], {
      cwd: path.dirname(dir),
      timeoutMs: FETCH_TIMEOUT_MS,
    });
  }
}

/**
 * Makes sure the cache dir is a folder hotconf can write, and that nothing but a folder
 * sits where the mirror goes.
 * @throws Error naming HOTCONF_CACHE_DIR and what is wrong, never the path.
 */
async function checkCacheDir(root: string, dir: string): Promise<void> {
  const unusable = (why: string) =>
    new Error(`HOTCONF_CACHE_DIR is not usable: ${why}; point it at a folder hotconf may write`);
  const because = (error: unknown): string => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST') return 'a file is in the way';
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'it is not writable';
    if (code === 'ENOSPC') return 'the disk is full';
    return `it cannot be used (${code ?? 'unknown error'})`;
  };
  try {
    await mkdir(root, { recursive: true });
    if (!(await stat(root)).isDirectory()) throw unusable('a file is in the way');
    await rmdir(await mkdtemp(path.join(root, '.probe-')));
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('HOTCONF_CACHE_DIR')) throw error;
    throw unusable(because(error));
  }
  const mirror = await stat(dir).catch(() => undefined);
  if (mirror && !mirror.isDirectory()) throw unusable('a file is in the way of the mirror');
}

/** Temporary files git leaves when a fetch dies, and the locks that block the next one. */
const LEFTOVER = /^(tmp_obj_|tmp_pack_|tmp_idx_|tmp_rev_|incoming-)|\.lock$/;

/** Removes leftovers of interrupted git processes; returns how many went. */
export async function removeLeftovers(gitDir: string): Promise<number> {
  let removed = 0;
  const sweep = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (LEFTOVER.test(entry.name)) {
        await rm(full, { recursive: true, force: true });
        removed++;
      } else if (entry.isDirectory() && depth > 0) {
        await sweep(full, depth - 1);
      }
    }
  };
  await sweep(path.join(gitDir, 'objects'), 1);
  await sweep(path.join(gitDir, 'refs'), 8);
  for (const file of ['packed-refs.lock', 'HEAD.lock', 'config.lock', 'shallow.lock']) {
    const full = path.join(gitDir, file);
    if (await stat(full).catch(() => undefined)) {
      await rm(full, { force: true });
      removed++;
    }
  }
  return removed;
}
