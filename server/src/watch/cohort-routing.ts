import { changedKeys } from '@hotconf/client';
import type { ChangeEvent, DocumentRecord } from '../publish/publisher.js';
import type { PublishedDocument } from '../publish/published-document.js';
import type { BackPressure } from './back-pressure.js';
import { deliverChange, fanOut } from './change-fanout.js';
import type { Subscription } from './connection.js';

/** Picks the document one subscriber is served: a rollout's canary, or the published one. */
export interface CohortChooser {
  documentFor(
    record: DocumentRecord,
    instanceId: string | undefined,
  ): PublishedDocument | undefined;
}

/**
 * Which subscribers of a document get a canary rollout's canary (DESIGN §11) and which the
 * base document: by the instance id their connection's `hello` gave. Anonymous connections
 * always get the base document.
 */
export class CohortRouting {
  constructor(
    private readonly chooser: CohortChooser | undefined,
    private readonly backPressure: BackPressure,
  ) {}

  /** The document due to `sub` now. */
  documentFor(sub: Subscription): PublishedDocument | undefined {
    if (!this.chooser) return sub.record.published;
    return this.chooser.documentFor(sub.record, sub.conn.fleet?.instanceId());
  }

  /**
   * Sends the cohort of a changed document its recomputed canary (one frame for those that
   * held the last one) and returns the subscribers that get the base change: at most two
   * frames per change.
   */
  routeChange(event: ChangeEvent, all: ReadonlySet<Subscription>): ReadonlySet<Subscription> {
    const canary = event.record.canary?.document;
    if (!canary || !this.chooser) return all;
    const base = new Set<Subscription>();
    const fresh: Subscription[] = [];
    for (const sub of all) {
      if (this.documentFor(sub) !== canary) base.add(sub);
      else if (sub.sent?.etag !== canary.etag) fresh.push(sub);
    }
    const previous = fresh[0]?.sent;
    if (fresh.length > 0) {
      const keys = changedKeys(previous?.config, canary.config);
      fanOut({ ...event, document: canary, previous, changedKeys: keys }, fresh, this.backPressure);
    }
    return base;
  }

  /**
   * Sends each subscriber whose due document differs from what it holds the right one: a
   * cohort grew, a rollout halted or ended, a canary was recomputed. @returns how many.
   */
  reassign(peers: Iterable<Subscription>): number {
    let sent = 0;
    for (const sub of peers) {
      const due = this.documentFor(sub);
      if (!due || sub.sent?.etag === due.etag) continue;
      if (this.backPressure.blocked(sub.conn)) this.backPressure.hold(sub, due);
      else deliverChange(sub, due);
      sent++;
    }
    return sent;
  }
}
