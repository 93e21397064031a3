import { createHash, timingSafeEqual } from 'node:crypto';
import { makePrincipal, type Access, type Principal } from './access.js';
import { presentedToken } from './authorization-header.js';
import { compileServiceGlobs } from './service-glob.js';
import type { TokenEntry } from './token-file.js';

interface Grant {
  hash: Buffer;
  principal: Principal;
}

/** SHA-256 of a token, as the token file stores it. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * The access policy of a token file: turns an Authorization header into a Principal.
 * `replace` swaps the whole policy at once, so a request sees either the old file or the
 * new one, never a mix.
 */
export class TokenStore implements Access {
  readonly open = false;
  private grants: Grant[] = [];

  constructor(entries: readonly TokenEntry[]) {
    this.replace(entries);
  }

  /** Number of tokens in the policy. */
  get size(): number {
    return this.grants.length;
  }

  /** Installs a new policy (a reloaded file). */
  replace(entries: readonly TokenEntry[]): void {
    this.grants = entries.map((entry) => {
      const matches = compileServiceGlobs(entry.services);
      const principal = makePrincipal(
        entry.name,
        entry.admin,
        entry.admin ? () => true : (service: string) => matches(service),
      );
      return { hash: Buffer.from(entry.sha256, 'hex'), principal };
    });
  }

  /**
   * Hashes the presented token and compares it with every entry in constant time, with
   * no early exit, so neither the timing nor the position of a match leaks.
   */
  identify(authorization: string | undefined): Principal | undefined {
    const token = presentedToken(authorization);
    if (token === undefined) return undefined;
    const hash = hashToken(token);
    let found: Principal | undefined;
    for (const grant of this.grants) {
      if (timingSafeEqual(grant.hash, hash) && !found) found = grant.principal;
    }
    return found;
  }
}
