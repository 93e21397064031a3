import Router from '@koa/router';
import type Koa from 'koa';

/** What the rest of the server reports to metrics. Every hook is cheap and never throws. */
export interface Metrics {
  /** Koa middleware timing requests by route and status. */
  middleware: Koa.Middleware;
  /** A WebSocket push of `count` frames for a commit first seen at `seenAt` (performance.now()). */
  pushed(count: number, seenAt: number): void;
  /** `GET /metrics`. */
  routes: Router;
}

/** Builds the metrics registry. No-op until the production issue lands. */
export function createMetrics(options: { replicaId: string }): Metrics {
  void options;
  return { middleware: (_ctx, next) => next(), pushed: () => undefined, routes: new Router() };
}
