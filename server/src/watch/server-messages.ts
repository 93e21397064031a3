import type { ChangeEvent } from '../publish/publisher.js';
import type { PublishedDocument } from '../publish/published-document.js';

/**
 * Server frames, serialised so the expensive part — the document — is stringified once
 * per publication: each message is a per-id head plus a shared tail. Thousands of SDK
 * instances use the same id for the same document, so `bytesFor` memoises per id and the
 * same Buffer goes to every one of them.
 */
export class ChangeFrames {
  private readonly tail: string;
  private readonly byId = new Map<string, Buffer>();

  constructor(readonly event: ChangeEvent) {
    this.tail = changeTail(event.document, event.changedKeys);
  }

  bytesFor(id: string): Buffer {
    let bytes = this.byId.get(id);
    if (!bytes) {
      bytes = Buffer.from(`{"type":"change","id":${JSON.stringify(id)}${this.tail}`);
      this.byId.set(id, bytes);
    }
    return bytes;
  }
}

export function snapshotFrame(id: string, doc: PublishedDocument): string {
  return `{"type":"snapshot","id":${JSON.stringify(id)},"version":${JSON.stringify(doc.version)},"etag":${JSON.stringify(doc.etag)},"config":${doc.configJson}}`;
}

export function subscribedFrame(id: string, doc: PublishedDocument): string {
  return JSON.stringify({ type: 'subscribed', id, version: doc.version, etag: doc.etag });
}

function changeTail(doc: PublishedDocument, changedKeys: string[]): string {
  return `,"version":${JSON.stringify(doc.version)},"etag":${JSON.stringify(doc.etag)},"config":${doc.configJson},"changedKeys":${JSON.stringify(changedKeys)}}`;
}

export function changeFrame(id: string, doc: PublishedDocument, changedKeys: string[]): string {
  return `{"type":"change","id":${JSON.stringify(id)}${changeTail(doc, changedKeys)}`;
}

export function errorFrame(code: string, message: string, id?: string): string {
  return JSON.stringify(id === undefined ? { type: 'error', code, message } : { type: 'error', id, code, message });
}
