import { Gauge, type Registry } from 'prom-client';
import type { InstanceView } from '../fleet/instance-view.js';
import type { StreamPayload } from '../http/event-stream.js';
import type { Logger } from '../logger.js';
import type { DocumentRecord } from '../publish/document-record.js';
import { RolloutController } from './rollout-controller.js';
import { soleLease, type RolloutLease } from './rollout-lease.js';
import { FileRolloutStore, type RolloutStore } from './rollout-store.js';
import { RedisRolloutStore, redisLease } from './redis-rollouts.js';

export interface RolloutsOptions {
  publisher: { all(): DocumentRecord[] };
  fleet: { snapshot(): Promise<{ views: InstanceView[] }> };
  logger: Logger;
  replicaId: string;
  /** HOTCONF_CACHE_DIR: where a single server keeps its rollouts. */
  cacheDir: string;
  /** HOTCONF_BUS_URL: with it, rollouts live in Redis and one replica drives them. */
  busUrl: string | undefined;
  metrics: Registry;
  reassign(key: string): void;
  event(kind: string, payload: StreamPayload): void;
  /** Says `change` when an instance changed: running rollouts look at the fleet soon. */
  fleetChanges?: { on(event: 'change', listener: () => void): unknown };
}

/** The rollout engine as wired: the controller, its lease, status counts, and close. */
export interface Rollouts {
  controller: RolloutController;
  lease: RolloutLease;
  /** For `/v1/status` (admin only): counts, the driving replica, and each rollout in brief. */
  status(): {
    running: number;
    halted: number;
    complete: number;
    driver: string | null;
    rollouts: {
      document: string;
      status: string;
      step: number;
      cohort: number;
      haltReason: string | null;
    }[];
  };
  close(): Promise<void>;
}

/** Builds the rollout controller with a file store (alone) or Redis (with the bus). */
export function createRollouts(options: RolloutsOptions): Rollouts {
  const logger = options.logger.child({ component: 'rollout' });
  const store: RolloutStore = options.busUrl
    ? new RedisRolloutStore(options.busUrl, options.replicaId)
    : new FileRolloutStore(options.cacheDir);
  const lease = options.busUrl
    ? redisLease(options.busUrl, options.replicaId)
    : soleLease(options.replicaId);
  const controller = new RolloutController({
    documents: options.publisher,
    fleet: options.fleet,
    store,
    lease,
    logger,
    sinks: {
      reassign: options.reassign,
      event: (state, event) =>
        options.event('rollout', {
          service: state.service,
          profile: state.profile,
          status: state.status,
          step: state.step + 1,
          kind: event.kind,
          message: event.message,
        }),
    },
  });
  options.fleetChanges?.on('change', () => controller.pokeSoon());
  const count = (status: string) =>
    [...controller.list().values()].filter((s) => s.status === status).length;
  // Counts only, never a label per instance or per document.
  new Gauge({
    name: 'hotconf_rollouts',
    help: 'Canary rollouts by status',
    labelNames: ['status'],
    registers: [options.metrics],
    collect() {
      for (const status of ['running', 'halted', 'complete']) this.set({ status }, count(status));
    },
  });
  return {
    controller,
    lease,
    status: () => ({
      running: count('running'),
      halted: count('halted'),
      complete: count('complete'),
      driver: lease.holder() ?? null,
      rollouts: [...controller.list()].map(([document, s]) => ({
        document,
        status: s.status,
        step: s.step + 1,
        cohort: s.cohort.length,
        haltReason: s.haltReason ?? null,
      })),
    }),
    close: () => controller.close(),
  };
}
