import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Environment that makes test commits reproducible and independent of the user's git config. */
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: os.tmpdir(),
};

/** Files to write: path → content; `null` deletes the file. */
export type FileChanges = Record<string, string | null>;

/**
 * A real git repository in a temp directory, for tests. Every commit goes through the
 * git CLI exactly as an operator's would.
 */
export class GitFixture {
  private constructor(readonly dir: string) {}

  /** Creates a repository on branch `main`, with an initial commit of `files` when given. */
  static async create(files?: FileChanges, options: { bare?: boolean } = {}): Promise<GitFixture> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hotconf-test-'));
    const fixture = new GitFixture(dir);
    await fixture.git('init', '-q', '-b', 'main', ...(options.bare ? ['--bare'] : []));
    if (files) await fixture.commit(files, 'initial');
    return fixture;
  }

  /** Runs git in this repository and returns trimmed stdout. */
  async git(...args: string[]): Promise<string> {
    const { stdout } = await run('git', args, { cwd: this.dir, env: GIT_ENV, maxBuffer: 64 << 20 });
    return stdout.trim();
  }

  /** Writes files without committing (a working-tree change). */
  async write(files: FileChanges): Promise<void> {
    for (const [file, content] of Object.entries(files)) {
      const full = path.join(this.dir, file);
      if (content === null) {
        await unlink(full).catch(() => undefined);
      } else {
        await mkdir(path.dirname(full), { recursive: true });
        await writeFile(full, content);
      }
    }
  }

  /** Writes files, commits them all, and returns the new commit id. */
  async commit(files: FileChanges, message = 'change', author?: string): Promise<string> {
    await this.write(files);
    await this.git('add', '-A');
    const args = ['commit', '-q', '--allow-empty', '-m', message];
    if (author) args.push(`--author=${author}`);
    await this.git(...args);
    return this.git('rev-parse', 'HEAD');
  }

  /** Current commit id of HEAD (or of `rev`). */
  head(rev = 'HEAD'): Promise<string> {
    return this.git('rev-parse', rev);
  }

  /** Removes the repository. */
  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Clones `source` as a bare repository (a "remote") and returns it. */
export async function bareCloneOf(source: GitFixture): Promise<GitFixture> {
  const bare = await GitFixture.create(undefined, { bare: true });
  await rm(bare.dir, { recursive: true, force: true });
  await run('git', ['clone', '-q', '--bare', source.dir, bare.dir], { env: GIT_ENV });
  return bare;
}
