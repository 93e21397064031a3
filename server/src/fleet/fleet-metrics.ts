import { Counter, Gauge, type Registry } from 'prom-client';
import { standingOf } from './instance-view.js';
import type { FleetRegistry } from './fleet-registry.js';

/** The counting half of the registry's sink. */
export interface FleetCounters {
  counted(kind: 'applied' | 'failed' | 'ignored', reason?: string): void;
}

/**
 * Fleet series on hotconf's registry (DESIGN §10): counts only, never a label per
 * instance. Each replica counts the instances connected to it, so sums across replicas
 * are right. `published` gives the etag a document is published at now.
 */
export function fleetMetrics(
  registry: Registry,
  fleet: Pick<FleetRegistry, 'eachDocument'>,
  published: (key: string) => { etag: string; version: string } | undefined,
): FleetCounters {
  const registers = [registry];
  const reports = new Counter({
    name: 'hotconf_fleet_reports_total',
    help: 'Instance reports that changed what an instance holds, by kind (applied, failed).',
    labelNames: ['kind'] as const,
    registers,
  });
  const ignored = new Counter({
    name: 'hotconf_fleet_reports_ignored_total',
    help: 'Instance reports ignored, by reason (unknown-etag, unknown-subscription, repeated, anonymous, stale-connection).',
    labelNames: ['reason'] as const,
    registers,
  });
  new Gauge({
    name: 'hotconf_fleet_instances',
    help: 'Instances known to this replica per document and state (applied, failed, older, offline).',
    labelNames: ['service', 'profiles', 'label', 'state'] as const,
    registers,
    collect() {
      // Counted in a plain map first: one label lookup per series, not one per instance.
      const counts = new Map<string, { labels: Record<string, string>; n: number }>();
      fleet.eachDocument((online, d) => {
        const profiles = d.profiles.join(',');
        const key = `${d.service}/${profiles}@${d.label}`;
        const state = standingOf(online, d, published(key));
        const series = `${key} ${state}`;
        const entry = counts.get(series);
        if (entry) entry.n++;
        else
          counts.set(series, {
            labels: { service: d.service, profiles, label: d.label, state },
            n: 1,
          });
      });
      this.reset();
      for (const { labels, n } of counts.values()) this.set(labels, n);
    },
  });
  // Bound once: a label lookup per report would cost more than the report itself.
  const applied = reports.labels('applied');
  const failed = reports.labels('failed');
  return {
    counted(kind, reason) {
      if (kind === 'applied') applied.inc();
      else if (kind === 'failed') failed.inc();
      else ignored.inc({ reason: reason ?? 'other' });
    },
  };
}
