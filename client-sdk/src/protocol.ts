/**
 * The `/v1/watch` WebSocket protocol (DESIGN §5). `schemas/protocol.schema.json` is the
 * normative definition and the server validates every incoming frame against it; these
 * types mirror it so the SDK (which carries no validator) and the server share one shape.
 */

import { createHash } from 'node:crypto';

/** Service and profile names (DESIGN §2). */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
/** Branches, tags and commit ids (DESIGN §2); `..` is refused besides. */
export const LABEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;
/** Never services: they are the server's own routes. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'v1',
  'health',
  'ready',
  'metrics',
  'monitor',
]);

/** Plain JSON value as carried in documents. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** A config document: always a JSON object at the top. */
export type ConfigObject = { [key: string]: JsonValue };

/** Client → server: start watching one document. */
export interface SubscribeMessage {
  type: 'subscribe';
  /** Client-chosen subscription id, echoed on every message about it. */
  id: string;
  service: string;
  profiles: string[];
  /** Label to follow; the server's default label when omitted or null. */
  label?: string | null;
  /** The last etag this client holds; `subscribed` instead of `snapshot` when current. */
  etag?: string | null;
  /**
   * The client can apply `patch` messages (RFC 7386 merge patches). Without it the server
   * only ever sends whole documents in `change`.
   */
  patch?: boolean;
}

/** Client → server: stop watching. */
export interface UnsubscribeMessage {
  type: 'unsubscribe';
  id: string;
}

export type ClientMessage = SubscribeMessage | UnsubscribeMessage;

/** Server → client: the whole current document, sent when the client's etag is not current. */
/** Which document of a canary rollout an instance is served (DESIGN §11). */
export type Cohort = 'canary' | 'base';

export interface SnapshotMessage {
  type: 'snapshot';
  id: string;
  version: string;
  etag: string;
  /** Which document of a canary rollout this is (DESIGN §11); absent means `base`. */
  cohort?: Cohort;
  config: ConfigObject;
}

/** Server → client: the client's etag is current; nothing to send. */
export interface SubscribedMessage {
  type: 'subscribed';
  id: string;
  version: string;
  etag: string;
  /** Which document of a canary rollout this is (DESIGN §11); absent means `base`. */
  cohort?: Cohort;
}

/** Server → client: a newly published document, whole, with the dotted paths that changed. */
export interface ChangeMessage {
  type: 'change';
  id: string;
  version: string;
  etag: string;
  /** Which document of a canary rollout this is (DESIGN §11); absent means `base`. */
  cohort?: Cohort;
  config: ConfigObject;
  changedKeys: string[];
}

/**
 * Server → client: a newly published document as an RFC 7386 JSON merge patch against
 * the document whose etag is `baseEtag`. A client holding another etag must resubscribe
 * (it then gets a snapshot). Sent instead of `change` when the patch is much smaller.
 */
export interface PatchMessage {
  type: 'patch';
  id: string;
  version: string;
  etag: string;
  /** Which document of a canary rollout this is (DESIGN §11); absent means `base`. */
  cohort?: Cohort;
  baseEtag: string;
  patch: ConfigObject;
  changedKeys: string[];
}

/** Server → client: something went wrong with a message or a subscription. */
export interface ErrorMessage {
  type: 'error';
  id?: string;
  code: string;
  message: string;
}

export type ServerMessage =
  SnapshotMessage | SubscribedMessage | ChangeMessage | PatchMessage | ErrorMessage;

/** Close codes the server uses. */
export const CloseCodes = {
  /** Server restarting or shutting down: reconnect soon. */
  SERVICE_RESTART: 1012,
  /** Peer kept sending malformed messages. */
  POLICY_VIOLATION: 1008,
  /** The connection's token was revoked or is no longer valid. */
  UNAUTHORIZED: 4401,
} as const;

/** Longest subscription id the protocol allows. */
const MAX_ID_LENGTH = 128;

/**
 * The subscription id for one document: `orders/dev,eu@main` (label empty for the
 * server's default). Deterministic, so every instance of a service watching the same
 * document uses the same id and the server can send them all the same bytes. Ids that
 * would exceed 128 characters are shortened to a stable hash.
 */
export function subscriptionId(
  service: string,
  profiles: readonly string[],
  label: string | null | undefined,
): string {
  const id = `${service}/${profiles.join(',')}@${label ?? ''}`;
  if (id.length <= MAX_ID_LENGTH) return id;
  return `${service}/#${createHash('sha256').update(id).digest('hex').slice(0, 40)}`;
}

/**
 * Applies an RFC 7386 JSON merge patch without touching `target`: `null` deletes a key,
 * an object merges into the object there (or into `{}`), anything else replaces.
 * Subtrees the patch does not touch are shared with `target`.
 */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const base: { [key: string]: JsonValue } =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? target : {};
  const result: { [key: string]: JsonValue } = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    // Own keys only: `toString`, `constructor` or `__proto__` are config keys like any other.
    if (value === null) delete result[key];
    else
      Object.defineProperty(result, key, {
        value: applyMergePatch(Object.hasOwn(base, key) ? base[key] : undefined, value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return result;
}

const SERVER_TYPES = new Set(['snapshot', 'subscribed', 'change', 'patch', 'error']);

/**
 * Parses one server frame, checking the fields the client relies on. Returns `undefined`
 * for anything that is not a well-formed server message.
 */
export function parseServerMessage(text: string): ServerMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  if (typeof m.type !== 'string' || !SERVER_TYPES.has(m.type)) return undefined;
  if (m.type === 'error') {
    const ok = typeof m.code === 'string' && typeof m.message === 'string';
    return ok && (m.id === undefined || typeof m.id === 'string')
      ? (m as unknown as ErrorMessage)
      : undefined;
  }
  if (typeof m.id !== 'string' || typeof m.version !== 'string' || typeof m.etag !== 'string') {
    return undefined;
  }
  const isObject = (v: unknown): boolean =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const isKeys = (v: unknown): boolean => Array.isArray(v) && v.every((k) => typeof k === 'string');
  switch (m.type) {
    case 'snapshot':
      return isObject(m.config) ? (m as unknown as SnapshotMessage) : undefined;
    case 'change':
      return isObject(m.config) && isKeys(m.changedKeys)
        ? (m as unknown as ChangeMessage)
        : undefined;
    case 'patch':
      return typeof m.baseEtag === 'string' && isObject(m.patch) && isKeys(m.changedKeys)
        ? (m as unknown as PatchMessage)
        : undefined;
    default:
      return m as unknown as SubscribedMessage;
  }
}
