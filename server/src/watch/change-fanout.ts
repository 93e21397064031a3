import { changedKeys } from '@hotconf/client';
import type { ChangeEvent } from '../publish/publisher.js';
import type { PublishedDocument } from '../publish/published-document.js';
import type { BackPressure } from './back-pressure.js';
import type { Subscription } from './connection.js';
import { ChangeFrames, changeFrame } from './server-messages.js';
import { sendFrame, sendText } from './text-frame.js';

/**
 * Sends one published change to its subscribers: each distinct message is framed once
 * and the same bytes are written to every socket; congested ones get only the newest
 * document later. @returns how many subscribers were sent the change now.
 */
export function fanOut(
  event: ChangeEvent,
  peers: Iterable<Subscription>,
  backPressure: BackPressure,
): number {
  const frames = new ChangeFrames(event);
  const previousEtag = event.previous?.etag;
  let sent = 0;
  for (const sub of peers) {
    if (backPressure.blocked(sub.conn)) {
      backPressure.hold(sub, event.document);
      continue;
    }
    if (sub.sent?.etag === previousEtag) {
      sendFrame(
        sub.conn.ws,
        sub.conn.direct,
        (sub.patch && frames.patchFrameFor(sub.id)) || frames.frameFor(sub.id),
      );
      sub.sent = event.document;
    } else {
      // This subscriber held another version (it subscribed mid-flight): its own diff.
      deliverChange(sub, event.document);
    }
    sent++;
  }
  return sent;
}

/**
 * Sends `doc` as a `change` against whatever `sub` last got; one leaving a rollout's canary
 * is told it is back on the base document.
 */
export function deliverChange(sub: Subscription, doc: PublishedDocument): void {
  const cohort = doc.cohort ?? (sub.sent?.cohort === 'canary' ? 'base' : undefined);
  const keys = changedKeys(sub.sent?.config, doc.config);
  sendText(sub.conn.ws, changeFrame(sub.id, doc, keys, cohort));
  sub.sent = doc;
}
