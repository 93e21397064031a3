import type { InstanceView } from '../fleet/instance-view.js';
import type { FleetObservation } from './rollout-progress.js';

/** The document a rollout is about, and its canary's etag. */
export interface ObservedDocument {
  service: string;
  profiles: readonly string[];
  label: string;
  canaryEtag: string;
  matchLabels: Readonly<Record<string, string>>;
  cohort: readonly string[];
}

/**
 * Reads the fleet view for one rollout (DESIGN §11): who may be in the cohort (online SDK
 * instances that said `hello`, watch the document and carry the match labels), who applied
 * or failed the canary, and which cohort members went away without a clean close after
 * applying it — a crash, as opposed to a deploy that closed its clients.
 */
export function observe(views: readonly InstanceView[], doc: ObservedDocument): FleetObservation {
  const profiles = doc.profiles.join(',');
  const inCohort = new Set(doc.cohort);
  const eligible: string[] = [];
  const appliedCanary = new Set<string>();
  const failedCanary = new Map<string, string>();
  const lostAfterApplying: string[] = [];
  for (const view of views) {
    if (view.source !== 'sdk') continue;
    const report = view.documents.find(
      (d) =>
        d.service === doc.service && d.label === doc.label && d.profiles.join(',') === profiles,
    );
    if (!report) continue;
    const onCanary = report.etag === doc.canaryEtag;
    if (!view.online) {
      if (inCohort.has(view.id) && onCanary && report.error === null && crashed(view))
        lostAfterApplying.push(view.id);
      continue;
    }
    if (!matches(view.labels, doc.matchLabels)) continue;
    eligible.push(view.id);
    if (onCanary && report.error === null) appliedCanary.add(view.id);
    if (onCanary && report.error !== null) failedCanary.set(view.id, report.error);
  }
  return { eligible, appliedCanary, failedCanary, lostAfterApplying };
}

function matches(labels: Record<string, string>, wanted: Readonly<Record<string, string>>) {
  return Object.entries(wanted).every(([k, v]) => labels[k] === v);
}

/**
 * The instance went offline without a clean close (code other than 1000, after the
 * reconnect grace), as its replica saw it. One whose replica died has no such event: its
 * instances reconnect elsewhere, and that is no failure of the canary.
 */
function crashed(view: InstanceView): boolean {
  for (let i = view.events.length - 1; i >= 0; i--) {
    const event = view.events[i];
    if (event?.type === 'offline') return event.detail !== 'closed';
    if (event?.type === 'online' || event?.type === 'reconnected') return false;
  }
  return false;
}
