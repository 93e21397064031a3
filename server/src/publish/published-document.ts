import type { ConfigObject } from '@hotconf/client';
import { createHash } from 'node:crypto';
import type { CommitInfo } from '../git/snapshot.js';

/**
 * A document as served: immutable once made. Response bodies derived from it are built
 * on first use and kept on it, so a read of a published document serialises nothing.
 */
export interface PublishedDocument {
  service: string;
  profiles: readonly string[];
  label: string;
  /** Commit id of the newest commit at which this content was valid. */
  version: string;
  /** Content hash of `config`. */
  etag: string;
  config: ConfigObject;
  /** Files used, highest precedence first, with what each said (Spring's propertySources). */
  sources: readonly { file: string; config: ConfigObject; name?: string }[];
  /** Services owning its sources, its own first (DESIGN §7): a reader must read them all. */
  owners: readonly string[];
  /** False when the service has no schema and was served unvalidated. */
  validated: boolean;
  commit: CommitInfo;
  /** `canary` for a rollout's canary document (DESIGN §11); absent for the document itself. */
  cohort?: 'canary';
  /** The config serialised once, reused by every body and message built from it. */
  readonly configJson: string;
  /** Derived bodies by name (`native`, `spring`, …). */
  readonly bodies: Map<string, Buffer>;
}

/** Content hash used as etag: same config, same etag, on every replica. */
export function etagOf(configJson: string): string {
  return createHash('sha256').update(configJson).digest('base64url').slice(0, 27);
}

export function makeDocument(
  fields: Omit<PublishedDocument, 'configJson' | 'bodies' | 'etag'> & {
    etag?: string;
    configJson?: string;
  },
): PublishedDocument {
  const configJson = fields.configJson ?? JSON.stringify(fields.config);
  return { ...fields, configJson, etag: fields.etag ?? etagOf(configJson), bodies: new Map() };
}

/** The same content seen valid at a newer commit: a new version, nothing to push. */
export function withVersion(doc: PublishedDocument, commit: CommitInfo): PublishedDocument {
  return makeDocument({ ...doc, version: commit.id, commit });
}

/** Builds (once) and returns a body derived from the document. */
export function bodyOf(doc: PublishedDocument, name: string, build: () => string): Buffer {
  let body = doc.bodies.get(name);
  if (!body) {
    body = Buffer.from(build());
    doc.bodies.set(name, body);
  }
  return body;
}
