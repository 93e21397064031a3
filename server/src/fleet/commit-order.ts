import { GitCommandError, runGit } from '../git/run-git.js';

const HEX = /^[0-9a-f]{40,64}$/;
const CACHE_MAX = 10_000;

/**
 * Whether commit `earlier` is `later` or one of its ancestors, asked of git once per pair
 * (commits never change, so neither does the answer).
 */
export function commitOrder(gitDir: string): (earlier: string, later: string) => Promise<boolean> {
  const cache = new Map<string, Promise<boolean>>();
  return (earlier, later) => {
    if (earlier === later) return Promise.resolve(true);
    if (!HEX.test(earlier) || !HEX.test(later)) return Promise.resolve(false);
    const key = `${earlier}..${later}`;
    let answer = cache.get(key);
    if (!answer) {
      answer = runGit(['merge-base', '--is-ancestor', earlier, later], { cwd: gitDir }).then(
        () => true,
        (error: unknown) => {
          // Exit 1 means "not an ancestor"; anything else (a missing object) is not knowable now.
          if (error instanceof GitCommandError && error.exitCode === 1) return false;
          cache.delete(key);
          return false;
        },
      );
      if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
      cache.set(key, answer);
    }
    return answer;
  };
}
