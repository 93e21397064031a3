import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { GitCommandError, runGit } from './run-git.js';

/** Where a local repository keeps its objects, and the folder `repo` named inside it. */
export interface LocalRepository {
  /** The git directory objects and refs live in (common dir for worktrees). */
  gitDir: string;
  /** Search path the folder names inside a larger repository, '' or ending in '/'. */
  prefix: string;
}

/** `a//b/./c` → `a/b/c/`; the root → ''. */
export function normalisePrefix(p: string): string {
  const clean = p
    .split('/')
    .filter((s) => s && s !== '.')
    .join('/');
  return clean ? `${clean}/` : '';
}

/**
 * Opens a local folder: a repository, a worktree, a bare repository, or a folder inside a
 * larger repository (which then becomes the search path). A plain folder is made a
 * repository with one commit, so every later change is a commit.
 * @throws Error with a message fit for an operator when the folder does not exist.
 */
export async function openLocal(repo: string, logger: Logger): Promise<LocalRepository> {
  const dir = path.resolve(repo);
  await access(dir).catch(() => {
    throw new Error(`repository folder ${repo} does not exist`);
  });
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
  await initialise(dir, logger);
  return { gitDir: path.join(dir, '.git'), prefix: '' };
}

/** Makes a plain folder a repository on `main` holding what it has now. */
async function initialise(dir: string, logger: Logger): Promise<void> {
  const files = (await readdir(dir)).length;
  const git = (...args: string[]) => runGit(args, { cwd: dir });
  await git('init', '--quiet', '-b', 'main');
  await git('add', '-A');
  // An identity in the folder's own config, so commits work where none is set globally.
  await git('config', 'user.name', 'hotconf');
  await git('config', 'user.email', 'hotconf@localhost');
  await git('commit', '--quiet', '--allow-empty', '--no-verify', '-m', 'hotconf: initial import');
  logger.info({ files }, 'initialised the config folder as a git repository with one commit');
}
