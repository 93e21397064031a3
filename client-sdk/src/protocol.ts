/**
 * The `/v1/watch` WebSocket protocol (DESIGN §5). `schemas/protocol.schema.json` is the
 * normative definition and the server validates every incoming frame against it; these
 * types mirror it so the SDK (which carries no validator) and the server share one shape.
 */

/** Plain JSON value as carried in documents. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
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
}

/** Client → server: stop watching. */
export interface UnsubscribeMessage {
  type: 'unsubscribe';
  id: string;
}

export type ClientMessage = SubscribeMessage | UnsubscribeMessage;

/** Server → client: the whole current document, sent when the client's etag is not current. */
export interface SnapshotMessage {
  type: 'snapshot';
  id: string;
  version: string;
  etag: string;
  config: ConfigObject;
}

/** Server → client: the client's etag is current; nothing to send. */
export interface SubscribedMessage {
  type: 'subscribed';
  id: string;
  version: string;
  etag: string;
}

/** Server → client: a newly published document, whole, with the dotted paths that changed. */
export interface ChangeMessage {
  type: 'change';
  id: string;
  version: string;
  etag: string;
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
  | SnapshotMessage
  | SubscribedMessage
  | ChangeMessage
  | PatchMessage
  | ErrorMessage;

/** Close codes the server uses. */
export const CloseCodes = {
  /** Server restarting or shutting down: reconnect soon. */
  SERVICE_RESTART: 1012,
  /** Peer kept sending malformed messages. */
  POLICY_VIOLATION: 1008,
  /** The connection's token was revoked or is no longer valid. */
  UNAUTHORIZED: 4401,
} as const;
