/** What an instance did with one document, as the fleet view shows it. */
export interface InstanceDocument {
  service: string;
  profiles: string[];
  label: string;
  /** Etag of the document the instance last reported on; null before its first report. */
  etag: string | null;
  /** Commit id of that document. */
  version: string | null;
  /** When it reported (ISO 8601). */
  reportedAt: string | null;
  /** The error of a `failed` report; null after `applied`. */
  error: string | null;
}

/**
 * Something that happened to an instance, for `GET /v1/instances/{id}`. `at` is epoch
 * milliseconds here (cheap to keep for thousands of instances); the route shows ISO 8601.
 */
export interface InstanceEvent {
  at: number;
  type: 'online' | 'offline' | 'reconnected' | 'applied' | 'failed' | 'id-in-use';
  /** `service/profiles@label`, for applied and failed. */
  document?: string;
  etag?: string;
  detail?: string;
}

/**
 * One instance as every replica sees it: the shape of `GET /v1/fleet/{service}/{profiles}`
 * rows, of `GET /v1/instances/{id}`, and of the record shared through Redis.
 */
export interface InstanceView {
  id: string;
  /** `sdk` for `@hotconf/client`; `spring-bus` for Spring instances heard over AMQP. */
  source: 'sdk' | 'spring-bus';
  labels: Record<string, string>;
  host: string | null;
  pid: number | null;
  sdk: string | null;
  /** The replica the instance is (or was last) connected to. */
  replica: string;
  connectedSince: string;
  lastSeen: string;
  online: boolean;
  documents: InstanceDocument[];
  lastError: { document: string; etag: string; error: string; at: string } | null;
  /** Reports ignored: etags the document never had, unknown subscriptions, repeats. */
  ignoredReports: number;
  events: InstanceEvent[];
}

/** Where an instance stands on one document against what is published now. */
export type DocumentStanding = 'applied' | 'failed' | 'older' | 'offline';

/** `service/profiles@label`, the key documents go by in the fleet view. */
export function documentName(doc: {
  service: string;
  profiles: readonly string[];
  label: string;
}): string {
  return `${doc.service}/${doc.profiles.join(',')}@${doc.label}`;
}

/**
 * Where `doc` stands: offline instances are `offline`; otherwise `failed` when its last
 * report was a failure, `applied` when it holds the published etag (or, for instances
 * that report only a version, the published version), else `older`.
 */
export function standingOf(
  online: boolean,
  doc: Pick<InstanceDocument, 'etag' | 'version' | 'error'>,
  published: { etag: string; version: string } | undefined,
): DocumentStanding {
  if (!online) return 'offline';
  if (doc.error !== null) return 'failed';
  if (!published) return doc.etag !== null || doc.version !== null ? 'applied' : 'older';
  if (doc.etag !== null) return doc.etag === published.etag ? 'applied' : 'older';
  return doc.version !== null && doc.version === published.version ? 'applied' : 'older';
}
