import { ForbiddenError, UnauthorizedError } from '../errors.js';

/** Who is calling, as far as access rules go. */
export interface Principal {
  /** Token name, or `anonymous` in open mode. */
  name: string;
  admin: boolean;
  /** True when the caller may read `service`. */
  canRead(service: string): boolean;
  /**
   * True when the caller may read a document whose sources are owned by `owners`
   * (DESIGN §7: every service that owns one of its sources, the document's own included).
   * The one rule every read path applies to a document it is about to serve.
   */
  canReadDocument(owners: readonly string[]): boolean;
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

/** A principal allowed what `canRead` allows, documents included. */
export function makePrincipal(
  name: string,
  admin: boolean,
  canRead: (service: string) => boolean,
): Principal {
  return Object.freeze({
    name,
    admin,
    canRead,
    canReadDocument: (owners: readonly string[]) => owners.every((owner) => canRead(owner)),
  });
}

const ANONYMOUS = makePrincipal('anonymous', true, () => true);

/** Open mode (no token file): every caller is an admin. */
export const OPEN_ACCESS: Access = {
  open: true,
  identify: () => ANONYMOUS,
};

/** @throws UnauthorizedError (401) without a valid token. */
export function requirePrincipal(access: Access, authorization: string | undefined): Principal {
  const principal = access.identify(authorization);
  if (!principal) throw new UnauthorizedError();
  return principal;
}

/**
 * Whether `principal` may read a document of `service` made of files `owners` own: the
 * check for listing or keeping a document without saying why it is left out.
 */
export function mayReadDocument(
  principal: Principal,
  service: string,
  owners: readonly string[],
): boolean {
  return principal.canRead(service) && principal.canReadDocument(owners);
}

/** @throws ForbiddenError (403) when `principal` may not read `service`. */
export function requireRead(principal: Principal, service: string): void {
  if (!principal.canRead(service))
    throw new ForbiddenError(`this token may not read service ${service}`);
}

/**
 * @throws ForbiddenError (403) when `principal` may not read every owner of a document's
 * sources; the message names the first such service (the caller already knows the
 * document's name, and the owner is a file name in the repository it asked about).
 */
export function requireReadDocument(principal: Principal, owners: readonly string[]): void {
  if (principal.canReadDocument(owners)) return;
  const denied = owners.find((owner) => !principal.canRead(owner)) ?? '';
  throw new ForbiddenError(
    `this token may not read service ${denied}, whose files this document uses`,
  );
}

/** @throws ForbiddenError (403) unless `principal` is an admin. */
export function requireAdmin(principal: Principal): void {
  if (!principal.admin) throw new ForbiddenError('this endpoint needs an admin token');
}
