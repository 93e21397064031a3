import { Counter, Gauge, type Registry } from 'prom-client';

/** Tallies the Spring bus keeps for `/v1/status`. */
export interface SpringBusCounters {
  announced: number;
  acks: number;
  /** Messages on the exchange that were not for hotconf, by reason. */
  ignored: Record<string, number>;
}

/** What the Spring bus reports to Prometheus. */
export interface SpringBusMetrics {
  announced(): void;
  acked(): void;
  ignored(reason: string): void;
}

/**
 * Registers `hotconf_spring_bus_*` on `registry` (listed in docs/operations.md):
 * `up` (1 while connected), `pending` announcements, and counters of announcements,
 * matched acks, and ignored messages by reason (`malformed`, `oversized`, `unknown`).
 */
export function springBusMetrics(
  registry: Registry,
  read: { up(): boolean; pending(): number },
): SpringBusMetrics {
  const registers = [registry];
  new Gauge({
    name: 'hotconf_spring_bus_up',
    help: 'Whether this replica is connected to the Spring Cloud Bus broker (1) or not (0).',
    registers,
    collect() {
      this.set(read.up() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'hotconf_spring_bus_pending',
    help: 'Refresh announcements waiting for the broker (the newest per destination).',
    registers,
    collect() {
      this.set(read.pending());
    },
  });
  const announced = new Counter({
    name: 'hotconf_spring_bus_announcements_total',
    help: 'RefreshRemoteApplicationEvents this replica sent on Spring Cloud Bus.',
    registers,
  });
  const acks = new Counter({
    name: 'hotconf_spring_bus_acks_total',
    help: "Spring instances' acknowledgements of hotconf's announcements.",
    registers,
  });
  const ignored = new Counter({
    name: 'hotconf_spring_bus_ignored_total',
    help: 'Messages on the springCloudBus exchange ignored, by reason (malformed, oversized, unknown).',
    labelNames: ['reason'] as const,
    registers,
  });
  return {
    announced: () => announced.inc(),
    acked: () => acks.inc(),
    ignored: (reason) => ignored.inc({ reason }),
  };
}
