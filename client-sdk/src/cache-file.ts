import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, HotconfClientError } from './errors.js';
import type { ConfigDocument } from './http.js';

/** Marks a file as this client's cache, in this layout. */
export const CACHE_FORMAT = 'hotconf-client-cache/1';

/** Which document a cache file belongs to; a file for any other is never trusted. */
export interface CacheIdentity {
  server: string;
  service: string;
  profiles: string[];
  label: string | null;
}

/** What the file holds. */
export interface CacheContent extends CacheIdentity, ConfigDocument {
  format: typeof CACHE_FORMAT;
  /** When it was written, ISO 8601. */
  savedAt: string;
}

/**
 * Reads and checks a cache file. Returns the content, or a sentence saying why the file
 * cannot be used (missing, unreadable, corrupt, or for another document).
 */
export async function readCacheFile(
  file: string,
  expected: CacheIdentity,
): Promise<CacheContent | { problem: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? 'it does not exist' : `it cannot be read (${code})` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'it is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problem: 'it is not a hotconf cache file' };
  }
  const c = value as Partial<Record<keyof CacheContent, unknown>>;
  if (c.format !== CACHE_FORMAT) return { problem: 'it is not a hotconf cache file' };
  if (
    typeof c.version !== 'string' ||
    typeof c.etag !== 'string' ||
    typeof c.savedAt !== 'string' ||
    typeof c.config !== 'object' ||
    c.config === null ||
    Array.isArray(c.config)
  ) {
    return { problem: 'it is incomplete or corrupt' };
  }
  const found = describeIdentity(c);
  const wanted = describeIdentity(expected);
  if (found !== wanted) return { problem: `it holds ${found}, not ${wanted}` };
  return value as CacheContent;
}

/** `orders/dev@main from http://config:8888`, for comparisons and messages. */
function describeIdentity(c: Partial<Record<keyof CacheIdentity, unknown>>): string {
  const profiles = Array.isArray(c.profiles) ? c.profiles.join(',') : String(c.profiles);
  const label = c.label === null ? '' : `@${String(c.label)}`;
  return `${String(c.service)}/${profiles}${label} from ${String(c.server)}`;
}

/**
 * Writes accepted documents to one cache file, atomically (temp file in the same
 * directory, then rename), one write at a time; when documents arrive faster than they
 * are written, only the newest is written next.
 */
export class CacheWriter {
  private pending: ConfigDocument | undefined;
  private running: Promise<void> | undefined;
  private sequence = 0;

  /**
   * @param file absolute path of the cache file; its directory is created when missing.
   * @param identity the document this file belongs to.
   * @param onError called with the reason when a write fails; writing goes on next time.
   */
  constructor(
    readonly file: string,
    private readonly identity: CacheIdentity,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Queues `doc` to be written. */
  save(doc: ConfigDocument): void {
    this.pending = doc;
    this.running ??= this.drain();
  }

  /** Resolves once everything queued has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        const doc = this.pending;
        this.pending = undefined;
        await this.write(doc);
      }
    } finally {
      this.running = undefined;
    }
  }

  private async write(doc: ConfigDocument): Promise<void> {
    const content: CacheContent = {
      format: CACHE_FORMAT,
      ...this.identity,
      version: doc.version,
      etag: doc.etag,
      savedAt: new Date().toISOString(),
      config: doc.config,
    };
    const temp = `${this.file}.${process.pid}.${++this.sequence}.tmp`;
    try {
      await mkdir(path.dirname(this.file), { recursive: true });
      // 0600: the document may hold decrypted secrets.
      await writeFile(temp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
      await rename(temp, this.file);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      this.onError(err as Error);
    }
  }
}

/** Cache files in use in this process, so two documents never share one. */
const claims = new Map<string, { owner: string; count: number }>();

/**
 * Reserves `file` for the document `owner` within this process. Several clients of the
 * same document may share a file; a client of another document may not.
 * @returns a function that gives the reservation back.
 * @throws TypeError when the file is already used for another document.
 */
export function claimCacheFile(file: string, owner: string): () => void {
  const claim = claims.get(file);
  if (claim && claim.owner !== owner) {
    throw new TypeError(`options.cacheFile ${file} is already used by a client of ${claim.owner}`);
  }
  if (claim) claim.count++;
  else claims.set(file, { owner, count: 1 });
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const current = claims.get(file);
    if (current && --current.count === 0) claims.delete(file);
  };
}

/** A cache writer whose failed writes reach `report` as the client's own error. */
export function cacheWriterFor(
  file: string,
  identity: CacheIdentity,
  report: (error: HotconfClientError) => void,
): CacheWriter {
  return new CacheWriter(file, identity, (err) =>
    report(
      new HotconfClientError(
        ErrorCodes.CACHE_WRITE_FAILED,
        `hotconf: cannot write cache file ${file}: ${err.message}`,
        { cause: err },
      ),
    ),
  );
}
