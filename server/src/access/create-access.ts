import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { watch, type FSWatcher } from 'chokidar';
import type { Access } from './access.js';
import { OPEN_ACCESS } from './access.js';
import type { Logger } from '../logger.js';
import { parseTokenFile, TokenFileError } from './token-file.js';
import { TokenStore } from './token-store.js';

export interface AccessOptions {
  /** YAML token file; undefined means open mode. */
  tokensFile: string | undefined;
  logger: Logger;
  /** Called after the token file changed and was re-read (to re-check open sockets). */
  onChange(): void;
  /**
   * Ms between content checks besides the file watcher, for mounts whose files are swapped
   * behind a symlink (Kubernetes secrets) where no event names the file. Default 5000.
   */
  recheckMs?: number;
  /** Ms of quiet after a file event before the file is read. Default 100. */
  settleMs?: number;
}

/** A live access policy and a way to stop watching its file. */
export interface AccessHandle {
  access: Access;
  close(): Promise<void>;
}

/** Reads the file; errors say what went wrong without the path (logs never hold paths). */
async function readTokenFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new TokenFileError(`the token file cannot be read (${code})`);
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Builds the access policy (DESIGN §7). Without a token file, open mode. With one, the
 * file is read and checked now — an unusable file is a startup error — then re-read
 * whenever it changes. A changed file that is unreadable or invalid is logged and
 * ignored: the previous policy stays, so a bad edit never locks everyone out or opens up.
 * @throws TokenFileError when the file cannot be read or is invalid at start.
 */
export async function createAccess(options: AccessOptions): Promise<AccessHandle> {
  const { tokensFile: file, logger } = options;
  if (file === undefined) return { access: OPEN_ACCESS, close: async () => undefined };

  let text = await readTokenFile(file);
  const store = new TokenStore(parseTokenFile(text));
  let seen = digest(text);
  logger.info({ tokens: store.size }, 'access: token file loaded');

  let closed = false;
  let chain = Promise.resolve();
  // The periodic re-check would repeat the same complaint; each problem is logged once.
  let lastProblem: string | undefined;
  const complain = (problem: string) => {
    if (problem !== lastProblem)
      logger.error(
        { reason: problem },
        'access: token file change ignored; the previous tokens stay in force',
      );
    lastProblem = problem;
  };
  const reload = () => {
    chain = chain.then(async () => {
      if (closed) return;
      try {
        text = await readTokenFile(file);
        if (digest(text) === seen) {
          lastProblem = undefined;
          return;
        }
        store.replace(parseTokenFile(text));
        seen = digest(text);
        lastProblem = undefined;
      } catch (error) {
        complain((error as Error).message);
        return;
      }
      logger.info({ tokens: store.size }, 'access: token file reloaded');
      try {
        options.onChange();
      } catch (error) {
        logger.error(
          { reason: (error as Error).message },
          'access: re-checking connections failed',
        );
      }
    });
  };

  // A write in place is a truncate then a write, and the watcher may report only the
  // first: reading is put off until the file has been quiet for a moment.
  let settle: NodeJS.Timeout | undefined;
  const reloadSoon = () => {
    clearTimeout(settle);
    settle = setTimeout(reload, options.settleMs ?? 100);
  };
  // `atomic` turns an editor's write-to-temp-then-rename into one `change`.
  const watcher: FSWatcher = watch(file, { ignoreInitial: true, atomic: true });
  watcher.on('all', (event) => {
    if (event === 'unlink') complain('the token file was removed');
    else reloadSoon();
  });
  watcher.on('error', (error) =>
    complain(
      `watching the token file failed (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`,
    ),
  );
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  const timer = setInterval(reload, options.recheckMs ?? 5000);
  timer.unref();

  return {
    access: store,
    close: async () => {
      closed = true;
      clearInterval(timer);
      clearTimeout(settle);
      await watcher.close();
      await chain;
    },
  };
}
