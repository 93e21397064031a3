import type { ConfigResolver } from '../config/config-resolver.js';
import type { Repository } from '../git/repository.js';
import type { Snapshot } from '../git/snapshot.js';
import type { Logger } from '../logger.js';
import type { DocumentRecord } from './document-record.js';
import { makeDocument } from './published-document.js';
import type { SharedContent } from './shared-content.js';

export interface WalkBackDeps {
  repository: Pick<Repository, 'commitsTouching' | 'snapshot'>;
  resolver: Pick<ConfigResolver, 'isKnown' | 'searchPath'>;
  content: SharedContent;
  logger: Logger;
  /** How many commits to look back. */
  limit: number;
}

/**
 * The start-up rule (DESIGN §3): a document invalid at the head is served from the newest
 * valid commit among the last `limit` that touched its files, and marked degraded.
 * @returns true when such a commit was found and published on `record`.
 */
export async function walkBack(
  record: DocumentRecord,
  head: Snapshot,
  deps: WalkBackDeps,
): Promise<boolean> {
  const { repository, resolver, content, logger } = deps;
  const commits = await repository.commitsTouching(head.commit.id, deps.limit, [
    // Files in HOTCONF_SEARCH_PATH folders too: a commit there can make it valid.
    ...resolver.searchPath.pathspecs(record.inputs, record.service, record.profiles, record.label),
    `schemas/${record.service}.schema.json`,
  ]);
  for (const id of commits) {
    if (id === head.commit.id) continue;
    const snapshot = await repository.snapshot(id);
    if (!resolver.isKnown(snapshot, record.service)) continue;
    const outcome = await content.judge(snapshot, record.service, record.profiles, record.label);
    if (!outcome.ok) continue;
    record.published = makeDocument({
      service: record.service,
      profiles: record.profiles,
      label: record.label,
      version: id,
      ...outcome.content,
      commit: snapshot.commit,
    });
    record.shared = outcome.shared;
    record.degraded = true;
    logger.warn(
      { service: record.service, profiles: record.profiles, label: record.label, commit: id },
      'serving an older valid commit: the head is invalid (degraded)',
    );
    return true;
  }
  return false;
}
