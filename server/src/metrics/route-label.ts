import type { Context } from 'koa';

/**
 * The route a request is counted and logged under: the matched route pattern
 * (`/v1/config/:service/:profiles`) or a fixed bucket — never the raw path, so a scanner
 * walking random URLs cannot blow up the number of metric series.
 *
 * Buckets: `not_found` (404 nobody matched), `method_not_allowed` (405/501 from a route
 * that exists for another method), `spring` (answered by the Spring compatibility routes,
 * which match by hand rather than through the router).
 */
export function routeLabel(ctx: Context): string {
  const matched = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
  if (typeof matched === 'string') return matched;
  if (ctx.status === 404) return 'not_found';
  if (ctx.status === 405 || ctx.status === 501) return 'method_not_allowed';
  return 'spring';
}
