import { ForbiddenError, UnauthorizedError } from '../errors.js';

/** Who is calling, as far as access rules go. */
export interface Principal {
  /** Token name, or `anonymous` in open mode. */
  name: string;
  admin: boolean;
  /** True when the caller may read `service`. */
  canRead(service: string): boolean;
}

/** Decides who a request is, from its Authorization header. */
export interface Access {
  /** True when no token file is configured: everyone may do everything. */
  readonly open: boolean;
  /**
   * The caller, or undefined when the header carries no valid token.
   * Never throws; never logs the header.
   */
  identify(authorization: string | undefined): Principal | undefined;
}

/** Open mode (no token file): every caller is an admin. */
export const OPEN_ACCESS: Access = {
  open: true,
  identify: () => ({ name: 'anonymous', admin: true, canRead: () => true }),
};

/** @throws UnauthorizedError (401) without a valid token. */
export function requirePrincipal(access: Access, authorization: string | undefined): Principal {
  const principal = access.identify(authorization);
  if (!principal) throw new UnauthorizedError();
  return principal;
}

/** @throws ForbiddenError (403) when `principal` may not read `service`. */
export function requireRead(principal: Principal, service: string): void {
  if (!principal.canRead(service))
    throw new ForbiddenError(`this token may not read service ${service}`);
}

/** @throws ForbiddenError (403) unless `principal` is an admin. */
export function requireAdmin(principal: Principal): void {
  if (!principal.admin) throw new ForbiddenError('this endpoint needs an admin token');
}
