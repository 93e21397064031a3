import Koa from 'koa';
import type { Logger } from '../logger.js';
import { errorMiddleware } from './error-middleware.js';
import { requestLog } from './request-log.js';
import { nativeRoutes, type NativeRoutesDeps } from './native-routes.js';
import { plainTextRoutes } from './plain-text-routes.js';
import { springRoutes } from './spring-routes.js';
import type Router from '@koa/router';
import type { Metrics } from '../metrics/metrics.js';
import { tokenFirst } from '../access/token-first.js';
import type { ConfigResolver } from '../config/config-resolver.js';
import type { SchemaGate } from '../schema/schema-gate.js';

export interface AppDeps extends NativeRoutesDeps {
  logger: Logger;
  /** Routes added by later stages (webhook, encrypt, history…). */
  extraRoutes?: Router[];
  metrics: Metrics;
  /** `HOTCONF_METRICS_TOKEN`: `/metrics` needs it when set. */
  metricsToken?: string | undefined;
  /** For Spring's composed Environments (unknown or comma-listed applications). */
  resolver: ConfigResolver;
  gate: SchemaGate;
}

/** The Koa app: errors first, then hotconf's routes, then Spring's. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: false });
  // Koa's own error logging would print stacks; the error middleware owns that.
  app.silent = true;
  app.use(requestLog(deps.logger));
  app.use(deps.metrics.middleware);
  app.use(errorMiddleware(deps.logger));
  // 401 before any route says whether a label, service or file exists (DESIGN §7).
  app.use(tokenFirst({ access: deps.access, metricsToken: deps.metricsToken }));
  const native = nativeRoutes(deps);
  app.use(native.routes());
  app.use(native.allowedMethods());
  for (const router of deps.extraRoutes ?? []) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  const spring = {
    publisher: deps.publisher,
    access: deps.access,
    defaultLabel: deps.repository.defaultLabel,
    repository: deps.repository,
    resolver: deps.resolver,
    gate: deps.gate,
  };
  app.use(plainTextRoutes(spring));
  app.use(springRoutes(spring));
  return app;
}
