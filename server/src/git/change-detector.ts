import { watch, type FSWatcher } from 'chokidar';
import path from 'node:path';
import type { Logger } from '../logger.js';
import type { LabelMove, Repository } from './repository.js';

export interface ChangeDetectorOptions {
  repository: Repository;
  /** Seconds between fetches of a remote (and re-reads of a local repository's refs). */
  pollInterval: number;
  logger: Logger;
  /** Called with the labels that moved, in the order they were seen. */
  onMoves(moves: LabelMove[], seenAt: number): void;
  /** Told how long each fetch of a remote took (the metrics registry). */
  metrics?: { fetched(seconds: number, ok: boolean): void };
}

/** Past chokidar's 50 ms per-path throttle. */
const TRAILING_CHECK_MS = 75;
/**
 * A local repository's refs are also re-read this often: reading them costs ~0.1 ms, and a
 * file-watch event lost under load (inotify drops them when its queue overflows) then costs
 * at most this long instead of a whole poll interval.
 */
const LOCAL_RECHECK_MS = 1000;

/** Sync state shown by `/v1/status`. */
export interface SyncState {
  kind: 'local' | 'remote';
  lastFetch: string | undefined;
  lastSuccess: string | undefined;
  lastError: string | undefined;
  fetches: number;
  failures: number;
  /** True while the last fetch of a remote failed: what is served may be behind the remote. */
  stale: boolean;
  /** Fetches failed in a row since the last success. */
  failuresInARow: number;
}

/**
 * Notices new commits. A local repository is watched on its refs (a commit is seen
 * within milliseconds); a remote one is fetched every poll interval and on demand.
 * Either way the refs are re-read on the interval too, so a missed event costs at most
 * one interval.
 */
export class ChangeDetector {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private trailing: NodeJS.Timeout | undefined;
  private recheck: NodeJS.Timeout | undefined;
  private pending: Promise<void> | undefined;
  /** The pass queued behind the running one, shared by every call that arrives meanwhile. */
  private queued: Promise<void> | undefined;
  private queuedFetch = false;
  private closed = false;
  readonly state: SyncState;

  constructor(private readonly options: ChangeDetectorOptions) {
    this.state = {
      kind: options.repository.kind,
      lastFetch: undefined,
      lastSuccess: new Date().toISOString(),
      lastError: undefined,
      fetches: 0,
      failures: 0,
      stale: false,
      failuresInARow: 0,
    };
  }

  /** Starts watching (local) and polling. */
  async start(): Promise<void> {
    const { repository } = this.options;
    if (repository.kind === 'local') {
      const gitDir = repository.gitDir;
      this.watcher = watch(
        [path.join(gitDir, 'refs'), path.join(gitDir, 'packed-refs'), path.join(gitDir, 'HEAD')],
        {
          ignoreInitial: true,
          ignored: (p: string) => p.endsWith('.lock'),
          persistent: false,
        },
      );
      const kick = () => {
        void this.check(false);
        // chokidar throttles `change` per path for 50 ms and drops what comes in between:
        // a second commit within that window would go unseen. Re-read once it has passed.
        clearTimeout(this.trailing);
        this.trailing = setTimeout(() => void this.check(false), TRAILING_CHECK_MS);
        this.trailing.unref();
      };
      // `raw` (fs.watch itself) is not throttled: a ref rename is seen the moment it lands.
      this.watcher.on('add', kick).on('change', kick).on('unlink', kick).on('raw', kick);
      await new Promise<void>((resolve) => this.watcher?.once('ready', () => resolve()));
      this.recheck = setInterval(() => void this.check(false), LOCAL_RECHECK_MS);
      this.recheck.unref();
    }
    this.timer = setInterval(() => void this.check(true), this.options.pollInterval * 1000);
    this.timer.unref();
  }

  /** Fetches (a remote) and re-reads refs now; resolves when moves have been handed on. */
  refresh(): Promise<void> {
    return this.check(true);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.recheck) clearInterval(this.recheck);
    clearTimeout(this.trailing);
    await this.watcher?.close();
    await this.pending?.catch(() => undefined);
  }

  private check(fetch: boolean): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.pending) {
      // The running pass may have read refs before this call's commit landed: every caller
      // meanwhile waits for one more pass, started after the current one.
      this.queuedFetch ||= fetch;
      this.queued ??= this.pending.then(() => {
        this.queued = undefined;
        const again = this.queuedFetch;
        this.queuedFetch = false;
        return this.check(again);
      });
      return this.queued;
    }
    this.pending = this.run(fetch).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async run(fetch: boolean): Promise<void> {
    const { repository, logger } = this.options;
    const seenAt = performance.now();
    if (fetch && repository.kind === 'remote') {
      this.state.lastFetch = new Date().toISOString();
      this.state.fetches++;
      const started = performance.now();
      try {
        await repository.fetch();
        this.options.metrics?.fetched((performance.now() - started) / 1000, true);
        if (this.state.stale) {
          logger.info(
            { failures: this.state.failuresInARow },
            'fetch from the remote works again; no longer stale',
          );
        }
        this.state.lastSuccess = new Date().toISOString();
        this.state.lastError = undefined;
        this.state.stale = false;
        this.state.failuresInARow = 0;
      } catch (error) {
        this.options.metrics?.fetched((performance.now() - started) / 1000, false);
        this.state.failures++;
        this.state.failuresInARow++;
        this.state.stale = true;
        this.state.lastError = 'fetch from the remote failed';
        logger.warn(
          {
            err: (error as Error).message,
            lastSuccess: this.state.lastSuccess,
            failuresInARow: this.state.failuresInARow,
          },
          'STALE: fetch from the remote failed; serving what was fetched last',
        );
        return;
      }
    }
    try {
      const moves = await repository.refreshLabels();
      if (moves.length > 0) this.options.onMoves(moves, seenAt);
    } catch (error) {
      this.state.lastError = 'reading refs failed';
      logger.error({ err: error }, 'reading refs failed');
    }
  }
}
