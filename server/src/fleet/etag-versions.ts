import type { DocumentRecord } from '../publish/publisher.js';

/** Etags remembered per document, newest last: what an `applied` may name. */
const ETAGS_KEPT = 16;

/**
 * Which commit each recently published etag of a document was: an instance's `applied`
 * names an etag, and the fleet view shows the version. Bounded per document, so a long
 * history never grows it.
 */
export class EtagVersions {
  private readonly etags = new Map<string, Map<string, string>>();

  /**
   * The version of `etag` for `doc`, or undefined when the etag is not one of the document's
   * recent ones. Learns the document's published and canary etags first.
   */
  versionOf(doc: DocumentRecord, etag: string): string | undefined {
    const published = doc.published;
    if (published) this.remember(doc.key, published);
    if (doc.canary) this.remember(doc.key, doc.canary.document);
    return this.etags.get(doc.key)?.get(etag);
  }

  /** Records that document `key` had etag `doc.etag` at `doc.version`. */
  remember(key: string, doc: { etag: string; version: string }): void {
    let known = this.etags.get(key);
    if (!known) this.etags.set(key, (known = new Map()));
    if (known.has(doc.etag)) return;
    known.set(doc.etag, doc.version);
    if (known.size > ETAGS_KEPT) known.delete(known.keys().next().value as string);
  }
}
