import { changedKeys, type ConfigObject } from '@hotconf/client';
import { inputPaths, revisionAt, type AuditDeps, type Revision } from './revision.js';

/** One commit that changed what a document serves. */
export interface HistoryEntry {
  id: string;
  author: string;
  time: string;
  message: string;
  /** Dotted keys added, removed or changed by this commit, sorted. */
  changedKeys: string[];
}

/** Most entries one request may ask for. */
export const MAX_HISTORY = 100;

/**
 * Commits reachable from `head` that changed the RESOLVED document, newest first, at
 * most `limit`. A commit that only touched a file (a comment, a reordering, another
 * profile's key that this one overrides) or that the gate rejected changed nothing
 * that was served, so it is left out.
 *
 * Candidates are the commits touching any input file (`git rev-list -- paths`); walked
 * oldest to newest, each is compared with the last valid version before it. The walk
 * looks at most `limit * 5 + 20` candidates back (capped at 500), plus one more as the
 * starting point, so a long run of no-op commits can shorten the answer.
 */
export async function historyOf(
  deps: AuditDeps,
  head: string,
  service: string,
  profiles: readonly string[],
  limit: number,
  /** The label `head` was read from: fills `{label}` in HOTCONF_SEARCH_PATH. */
  label?: string,
): Promise<HistoryEntry[]> {
  const scan = Math.min(500, limit * 5 + 20);
  const candidates = await deps.repository.commitsTouching(
    head,
    scan + 1,
    inputPaths(service, profiles, deps.resolver.searchPath, label),
  );
  const revisions = await evaluateAll(deps, candidates, service, profiles, label);
  // With more candidates than the window, the oldest one only sets the starting point.
  let current: ConfigObject | undefined;
  if (revisions.length > scan) {
    const base = revisions.pop() as Revision;
    current = base.kind === 'valid' ? base.config : undefined;
  }
  const entries: HistoryEntry[] = [];
  for (const revision of revisions.reverse()) {
    if (revision.kind === 'invalid') continue; // refused: the previous version stayed published
    if (revision.kind === 'absent') {
      current = undefined;
      continue;
    }
    const keys = changedKeys(current, revision.config);
    current = revision.config;
    if (keys.length === 0) continue;
    const { id, author, time, message } = revision.commit;
    entries.push({ id, author, time, message, changedKeys: keys });
  }
  return entries.reverse().slice(0, limit);
}

/** Evaluates commits in parallel batches: git reads pipeline through one cat-file process. */
async function evaluateAll(
  deps: AuditDeps,
  commits: string[],
  service: string,
  profiles: readonly string[],
  label: string | undefined,
): Promise<Revision[]> {
  const out: Revision[] = [];
  const batch = 32;
  for (let i = 0; i < commits.length; i += batch) {
    out.push(
      ...(await Promise.all(
        commits.slice(i, i + batch).map((id) => revisionAt(deps, id, service, profiles, label)),
      )),
    );
  }
  return out;
}
