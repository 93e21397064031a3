import { SpringAckTable } from './spring-ack-table.js';
import type { SpringBus } from './spring-bus.js';

/** The Spring bus of a server without `HOTCONF_SPRING_BUS_URL`: says so, does nothing. */
export function offSpringBus(): SpringBus {
  const acks = new SpringAckTable();
  return {
    configured: false,
    changed: () => undefined,
    rejected: () => undefined,
    settled: () => undefined,
    refresh: () => {
      throw new Error('no Spring bus is configured');
    },
    acks,
    status: () => ({
      configured: false,
      connected: false,
      pending: 0,
      announced: 0,
      acks: 0,
      ignored: {},
      instances: [],
    }),
    close: () => Promise.resolve(),
  };
}
