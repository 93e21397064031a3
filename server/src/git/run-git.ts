import { execFile } from 'node:child_process';

/** Environment for every git we spawn: never prompt, never read the operator's global config. */
export const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: 'true',
  GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes -o ConnectTimeout=15',
  GIT_CONFIG_NOSYSTEM: '1',
  LC_ALL: 'C',
};

/** Hides the credentials of any URL in a text (`https://user:token@host` → `https://***@host`). */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@');
}

/**
 * Thrown when a git command fails; `stderr` is for logs only, never for callers. Arguments
 * and stderr are stored with URL credentials hidden, so no log of this error can leak them.
 */
export class GitCommandError extends Error {
  readonly args: readonly string[];
  readonly stderr: string;

  constructor(
    args: readonly string[],
    readonly exitCode: number | null,
    stderr: string,
  ) {
    const clean = redactCredentials(stderr);
    super(
      `git ${args[0] ?? ''} failed (${exitCode ?? 'killed'}): ${clean.trim().split('\n').pop() ?? ''}`,
    );
    this.name = 'GitCommandError';
    this.args = args.map(redactCredentials);
    this.stderr = clean;
  }
}

export interface RunGitOptions {
  /** Working directory. */
  cwd: string;
  /** Kill git after this many ms. Default 60 000. */
  timeoutMs?: number;
  /** Extra environment. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs one git command and returns stdout. Callers pass only validated values, after
 * `--end-of-options` or `--` where git allows it, so no input can become an option.
 */
export function runGit(args: readonly string[], options: RunGitOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        env: { ...GIT_ENV, ...options.env },
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 256 << 20,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error) {
          const code = typeof error.code === 'number' ? error.code : null;
          reject(new GitCommandError(args, code, String(stderr || error.message)));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}
