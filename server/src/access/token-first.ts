import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { UnauthorizedError } from '../errors.js';
import type { Access } from './access.js';
import { MAX_AUTHORIZATION_LENGTH } from './authorization-header.js';

export interface TokenFirstOptions {
  access: Access;
  /** `HOTCONF_METRICS_TOKEN`: when set, `/metrics` needs it as a Bearer token. */
  metricsToken?: string | undefined;
}

/**
 * Paths anyone may call: probes, webhooks (checked by their own signature) and the
 * console's page, which asks for a token only once the API answers 401 (DESIGN §12).
 */
export function isPublicPath(path: string): boolean {
  return (
    path === '/health' ||
    path === '/ready' ||
    path === '/v1/webhook' ||
    path === '/monitor' ||
    path === '/ui' ||
    path.startsWith('/ui/')
  );
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** True when the header is `Bearer <expected>`, compared in constant time. */
function bearerMatches(authorization: string | undefined, expected: Buffer): boolean {
  if (!authorization || authorization.length > MAX_AUTHORIZATION_LENGTH) return false;
  const match = /^bearer +(\S+) *$/i.exec(authorization);
  return match !== null && timingSafeEqual(digest(match[1] as string), expected);
}

/**
 * 401 first (DESIGN §7): with a token file, a request without a valid token is refused
 * before any route looks at its path, so no answer (400 for a bad label, 404 for an unknown
 * service or file, a route's shape) tells a stranger whether anything exists. `/metrics`
 * follows its own token when `HOTCONF_METRICS_TOKEN` is set, and is open otherwise.
 */
export function tokenFirst(options: TokenFirstOptions): Middleware {
  const metrics = options.metricsToken ? digest(options.metricsToken) : undefined;
  return async (ctx, next) => {
    const path = ctx.path;
    if (path === '/metrics') {
      if (metrics && !bearerMatches(ctx.get('Authorization'), metrics))
        throw new UnauthorizedError('a valid metrics token is required (HOTCONF_METRICS_TOKEN)');
      return next();
    }
    if (!options.access.open && !isPublicPath(path)) {
      if (!options.access.identify(ctx.get('Authorization'))) throw new UnauthorizedError();
    }
    return next();
  };
}
