import type { ConfigObject } from '@hotconf/client';

/** The part of a published change the Spring bus reads (a publisher `change` event). */
export interface PublishedChange {
  record: { service: string };
  document: {
    version: string;
    sources: readonly { file: string; config: ConfigObject }[];
  };
  previous: { sources: readonly { file: string; config: ConfigObject }[] } | undefined;
}

/** What to announce for one commit. */
export interface CommitRefresh {
  version: string;
  /** `**` alone, or one `{app}:**` per application, sorted. */
  destinations: string[];
}

/**
 * Spring's monitor treats `application.yml` and `application-{profile}.yml` as every
 * application's (`*`); other `application…` names as nobody's. A file name's stem decides.
 */
export function isSharedFile(file: string): boolean {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  return stem === 'application' || stem.startsWith('application-');
}

/** Source files whose content differs between the previous and the new document. */
export function changedSources(change: PublishedChange): string[] {
  const before = new Map<string, string>();
  for (const s of change.previous?.sources ?? []) before.set(s.file, JSON.stringify(s.config));
  const out: string[] = [];
  for (const s of change.document.sources) {
    if (before.get(s.file) !== JSON.stringify(s.config)) out.push(s.file);
    before.delete(s.file);
  }
  out.push(...before.keys());
  return out;
}

/**
 * The refresh announcements for a batch of published changes, one entry per commit.
 * Like Spring's monitor, a commit whose changes all come from shared `application*`
 * files announces `**` once (every application); otherwise each application with a
 * changed document gets `{app}:**` once, however many of its documents changed.
 * Unlike the monitor, only documents that passed the gate and changed count: a rejected
 * commit, or one that changes nothing an application reads, announces nothing; and a
 * commit that some document rejected (`rejectedAt`) never announces `**`, which would
 * refresh that document's application too.
 */
export function refreshDestinations(
  changes: readonly PublishedChange[],
  rejectedAt: ReadonlySet<string> = new Set(),
): CommitRefresh[] {
  const byCommit = new Map<string, { apps: Set<string>; sharedOnly: boolean }>();
  for (const change of changes) {
    const version = change.document.version;
    let entry = byCommit.get(version);
    if (!entry) byCommit.set(version, (entry = { apps: new Set(), sharedOnly: true }));
    entry.apps.add(change.record.service);
    const files = changedSources(change);
    // No file changed (a schema default did): the application's own change.
    if (files.length === 0 || !files.every(isSharedFile)) entry.sharedOnly = false;
  }
  return [...byCommit].map(([version, { apps, sharedOnly }]) => ({
    version,
    destinations:
      sharedOnly && !rejectedAt.has(version) ? ['**'] : [...apps].sort().map((app) => `${app}:**`),
  }));
}
