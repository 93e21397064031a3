import type { Registry } from 'prom-client';
import type { ExternalReport } from '../fleet/fleet-registry.js';
import type { Logger } from '../logger.js';
import type { Publisher } from '../publish/publisher.js';
import { createSpringBus, type SpringBus } from './spring-bus.js';
import { linkSpringFleet } from './spring-fleet-link.js';

/** What {@link wireSpringBus} needs: settings, the publisher it follows, the fleet it feeds. */
export interface SpringBusWiring {
  /** `HOTCONF_SPRING_BUS_URL`; undefined turns the Spring bus off. */
  springBusUrl: string | undefined;
  /** `HOTCONF_BUS_URL`: replicas sharing it announce each change once between them. */
  busUrl: string | undefined;
  replicaId: string;
  /** This replica's HTTP port, read when an event is made. */
  port: () => number;
  logger: Logger;
  registry: Registry | undefined;
  /** Published changes are announced; Spring acks evaluate documents it may not hold yet. */
  publisher: Pick<Publisher, 'on' | 'all' | 'record'>;
  /** The label a Spring client reads when it names none. */
  defaultLabel: string;
  /** The fleet registry's entry for instances heard through the Spring bus. */
  record: (report: ExternalReport) => void;
}

/**
 * Spring Cloud Bus (DESIGN §8): published changes announced, fire and forget, and Spring
 * instances' acks listed in the fleet view (docs/spring.md says how).
 * @returns the bus (for routes and status) and a `close` that unlinks, then closes it.
 */
export function wireSpringBus(wiring: SpringBusWiring): {
  springBus: SpringBus;
  close(): Promise<void>;
} {
  const { publisher, logger } = wiring;
  const springBus = createSpringBus({
    url: wiring.springBusUrl,
    redisUrl: wiring.busUrl,
    replicaId: wiring.replicaId,
    port: wiring.port,
    logger,
    registry: wiring.registry,
  });
  publisher.on('change', (change) => springBus.changed(change));
  publisher.on('rejected', (_record, rejection) => springBus.rejected(rejection.commit.id));
  publisher.on('settled', () => springBus.settled());
  const unlink = linkSpringFleet({
    acks: springBus.acks,
    documents: () => publisher.all(),
    evaluate: (service, profiles) => publisher.record(service, profiles),
    defaultLabel: wiring.defaultLabel,
    record: wiring.record,
    logger,
  });
  return {
    springBus,
    close: async () => {
      unlink();
      await springBus.close();
    },
  };
}
