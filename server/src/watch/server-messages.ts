import type { ErrorCode } from '../errors.js';
import type { ChangeEvent } from '../publish/publisher.js';
import { mergePatch } from '../publish/merge-patch.js';
import type { PublishedDocument } from '../publish/published-document.js';
import { textFrame, type TextFrame } from './text-frame.js';

/**
 * Server frames, serialised so the expensive part — the document — is stringified once
 * per publication: each message is a per-id head plus a shared tail. Thousands of SDK
 * instances use the same id for the same document, so `frameFor` memoises per id and the
 * same complete WebSocket frame goes to every one of them.
 */
export class ChangeFrames {
  private readonly tail: string;
  private readonly byId = new Map<string, TextFrame>();
  /** undefined: not computed yet; null: a patch would not be much smaller, or cannot be said. */
  private patchTail: string | null | undefined;
  private readonly patchById = new Map<string, TextFrame>();

  constructor(readonly event: ChangeEvent) {
    this.tail = changeTail(event.document, event.changedKeys);
  }

  /** The whole-document `change` frame for subscription `id`. */
  frameFor(id: string): TextFrame {
    let frame = this.byId.get(id);
    if (!frame) {
      frame = textFrame(`{"type":"change","id":${JSON.stringify(id)}${this.tail}`);
      this.byId.set(id, frame);
    }
    return frame;
  }

  /**
   * The `patch` frame against the previous document for subscription `id`, or undefined
   * when the whole document is the better message (a patch under half its size wins).
   */
  patchFrameFor(id: string): TextFrame | undefined {
    if (this.patchTail === undefined) this.patchTail = this.buildPatchTail();
    if (this.patchTail === null) return undefined;
    let frame = this.patchById.get(id);
    if (!frame) {
      frame = textFrame(`{"type":"patch","id":${JSON.stringify(id)}${this.patchTail}`);
      this.patchById.set(id, frame);
    }
    return frame;
  }

  private buildPatchTail(): string | null {
    const { previous, document: doc, changedKeys } = this.event;
    if (!previous) return null;
    const patch = mergePatch(previous.config, doc.config);
    if (!patch) return null;
    const patchJson = JSON.stringify(patch);
    if (patchJson.length * 2 >= doc.configJson.length) return null;
    return `,"version":${JSON.stringify(doc.version)},"etag":${JSON.stringify(doc.etag)},"baseEtag":${JSON.stringify(previous.etag)}${cohortField(doc.cohort)},"patch":${patchJson},"changedKeys":${JSON.stringify(changedKeys)}}`;
  }
}

/** Which cohort of a rollout a message is for (DESIGN §11); absent: no rollout said otherwise. */
export type Cohort = 'canary' | 'base' | undefined;

function cohortField(cohort: Cohort): string {
  return cohort === undefined ? '' : `,"cohort":"${cohort}"`;
}

export function snapshotFrame(id: string, doc: PublishedDocument, cohort?: Cohort): string {
  return `{"type":"snapshot","id":${JSON.stringify(id)},"version":${JSON.stringify(doc.version)},"etag":${JSON.stringify(doc.etag)}${cohortField(cohort ?? doc.cohort)},"config":${doc.configJson}}`;
}

export function subscribedFrame(id: string, doc: PublishedDocument, cohort?: Cohort): string {
  const c = cohort ?? doc.cohort;
  return JSON.stringify({
    type: 'subscribed',
    id,
    version: doc.version,
    etag: doc.etag,
    ...(c === undefined ? {} : { cohort: c }),
  });
}

function changeTail(doc: PublishedDocument, changedKeys: string[], cohort?: Cohort): string {
  return `,"version":${JSON.stringify(doc.version)},"etag":${JSON.stringify(doc.etag)}${cohortField(cohort ?? doc.cohort)},"config":${doc.configJson},"changedKeys":${JSON.stringify(changedKeys)}}`;
}

export function changeFrame(
  id: string,
  doc: PublishedDocument,
  changedKeys: string[],
  cohort?: Cohort,
): string {
  return `{"type":"change","id":${JSON.stringify(id)}${changeTail(doc, changedKeys, cohort)}`;
}

export function errorFrame(code: ErrorCode, message: string, id?: string): string {
  return JSON.stringify(
    id === undefined ? { type: 'error', code, message } : { type: 'error', id, code, message },
  );
}
