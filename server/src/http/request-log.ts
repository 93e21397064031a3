import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../logger.js';
import { routeLabel } from '../metrics/route-label.js';

/** A caller's request id is kept only when it is short and plain: it ends up in logs. */
const SANE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * Logged at `debug` when they succeed: probes and scrapes come every few seconds, and
 * document reads are most of a config server's traffic — one line each costs about a
 * third of the read rate (docs/benchmarks.md) and says nothing `hotconf_http_requests_total`
 * does not. Failures of these routes, and every other route, log at `info`.
 */
const QUIET_ROUTES = new Set([
  '/health',
  '/ready',
  '/metrics',
  '/v1/config/:service/:profiles',
  '/v1/config/:service',
  'spring',
]);

/** The request id: the caller's `X-Request-Id` when sane, else a fresh UUID. */
export function requestIdOf(header: string | undefined): string {
  return header && SANE_ID.test(header) ? header : randomUUID();
}

/**
 * Logs one line per request — `reqId`, `method`, `route` (the pattern, not the raw path),
 * `path`, `status`, `ms` — at `info` (`warn` for 5xx, `debug` for successful probes, scrapes and document reads), and echoes the id back in
 * `X-Request-Id` so a caller can quote it. Headers are never logged: the Authorization
 * header carries tokens. `ctx.state.requestId` holds the id for later middleware.
 */
export function requestLog(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const start = performance.now();
    const reqId = requestIdOf(ctx.get('X-Request-Id') || undefined);
    ctx.state.requestId = reqId;
    ctx.set('X-Request-Id', reqId);
    try {
      await next();
    } finally {
      logRequest(logger, reqId, ctx.method, routeLabel(ctx), ctx.path, ctx.status, start);
    }
  };
}

/** Writes the one line a request gets (the Koa middleware and the fast read path). */
export function logRequest(
  logger: Logger,
  reqId: string,
  method: string,
  route: string,
  path: string,
  status: number,
  start: number,
): void {
  const level = status >= 500 ? 'warn' : status < 400 && QUIET_ROUTES.has(route) ? 'debug' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const ms = Math.round((performance.now() - start) * 100) / 100;
  logger[level]({ reqId, method, route, path: path.slice(0, 200), status, ms }, 'request');
}
