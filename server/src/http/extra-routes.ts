import type Router from '@koa/router';
import type { Access } from '../access/access.js';
import { auditRoutes } from '../audit/audit-routes.js';
import type { ConfigResolver } from '../config/config-resolver.js';
import type { FleetView } from '../fleet/fleet-view.js';
import type { Repository } from '../git/repository.js';
import type { Logger } from '../logger.js';
import type { Publisher } from '../publish/publisher.js';
import type { Rollouts } from '../rollout/create-rollouts.js';
import type { SchemaGate } from '../schema/schema-gate.js';
import { encryptRoutes } from '../secrets/encrypt-routes.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { springEncryptRoutes } from '../secrets/spring-encrypt-routes.js';
import type { SpringBus } from '../spring-bus/spring-bus.js';
import { actuatorRoutes } from './actuator-routes.js';
import { consoleRoutes } from './console-routes.js';
import type { EventStream } from './event-stream.js';
import { fleetRoutes } from './fleet-routes.js';
import { rolloutRoutes } from './rollout-routes.js';
import { uiRoutes } from './ui-routes.js';
import { webhookRoutes } from './webhook-routes.js';

/** The stages the routes beyond the native and Spring reads serve. */
export interface ExtraRoutesDeps {
  /** HOTCONF_WEBHOOK_SECRET. */
  webhookSecret: string | undefined;
  logger: Logger;
  /** A push webhook named these refs: fetch now and tell the other replicas. */
  onPush(refs: string[]): void;
  secrets: SecretBox;
  access: Access;
  publisher: Publisher;
  repository: Repository;
  resolver: ConfigResolver;
  gate: SchemaGate;
  /** `GET /metrics`. */
  metricsRoutes: Router;
  springBus: SpringBus;
  fleet: FleetView;
  rollouts: Rollouts;
  events: EventStream;
  replicaId: string;
  /** True when the app answers `GET path` (the console shows optional pages then). */
  hasRoute(path: string): boolean;
}

/**
 * The HTTP app's routes besides the native and Spring reads, in the order they are
 * mounted: webhooks, encryption, audit, metrics, actuator, fleet, rollouts, events,
 * console, and the console's page last.
 */
export function extraRoutes(deps: ExtraRoutesDeps): Router[] {
  const { access, publisher, repository, resolver, gate, secrets, fleet, rollouts } = deps;
  return [
    webhookRoutes({ secret: deps.webhookSecret, logger: deps.logger, onPush: deps.onPush }),
    encryptRoutes({ box: secrets, access }),
    springEncryptRoutes({ box: secrets, access }),
    auditRoutes({ publisher, repository, resolver, gate, access }),
    deps.metricsRoutes,
    actuatorRoutes({ springBus: deps.springBus, access }),
    fleetRoutes({
      fleet,
      access,
      publisher,
      repository,
      defaultLabel: repository.defaultLabel,
      replicaId: deps.replicaId,
    }),
    rolloutRoutes({
      rollouts: rollouts.controller,
      documents: publisher,
      fleet,
      access,
      driver: () => rollouts.lease.holder(),
    }),
    deps.events.routes(),
    consoleRoutes({
      publisher,
      repository,
      resolver,
      gate,
      access,
      hasRoute: deps.hasRoute,
    }),
    uiRoutes(),
  ];
}
