/**
 * What replicas say to each other on the bus, and the checks every received message
 * passes before it is believed. The bus is input like any other: anyone who can publish
 * to the Redis channel can send anything, so nothing here trusts its shape.
 */

import { isObject } from '../config/merge.js';
import { LABEL } from '../config/names.js';
import { isValidReplicaId } from '../replica-id.js';

export { isValidReplicaId } from '../replica-id.js';

/** Protocol version; a message with another `v` is ignored (a newer replica mid-rollout). */
export const BUS_PROTOCOL_VERSION = 1;

/** Largest message accepted, in bytes of JSON. Heads of {@link MAX_HEADS} labels fit well inside. */
export const MAX_MESSAGE_BYTES = 128 * 1024;

/** Most refs one change message may name (the webhook keeps at most 100). */
export const MAX_REFS = 100;

/** Most labels one heads message carries; a replica announces `HEAD` first, then the rest. */
export const MAX_HEADS = 300;

const INSTANCE_ID = /^[A-Za-z0-9-]{1,64}$/;
const REF = /^refs\/(heads|tags)\/[A-Za-z0-9._/-]{1,200}$/;
const COMMIT = /^([0-9a-f]{40}|[0-9a-f]{64})$/;

interface Envelope {
  v: typeof BUS_PROTOCOL_VERSION;
  /** Replica id of the sender (HOTCONF_REPLICA_ID). */
  replica: string;
  /** Random id of the sending process: tells a replica's own echo from a twin with the same id. */
  instance: string;
  /** Sender's clock, ms since the epoch. Informational only: expiry uses the receiver's clock. */
  at: number;
}

/** "I heard of a push (webhook, refresh): fetch." `refs` may be empty (fetch everything). */
export interface ChangeMessage extends Envelope {
  type: 'change';
  refs: string[];
}

/** "These are the commits my labels point at now." Sent after publishing and every few seconds. */
export interface HeadsMessage extends Envelope {
  type: 'heads';
  heads: Record<string, string>;
}

export type BusMessage = ChangeMessage | HeadsMessage;

/** Why a message was not believed, in words for the log. */
export type ParseResult = { ok: true; message: BusMessage } | { ok: false; reason: string };

function checkRefs(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'refs must be an array';
  if (value.length > MAX_REFS) return `refs may name at most ${MAX_REFS} refs`;
  if (!value.every((r) => typeof r === 'string' && REF.test(r)))
    return 'refs must be branch or tag refs';
  return undefined;
}

function checkHeads(value: unknown): string | undefined {
  if (!isObject(value)) return 'heads must be an object';
  const entries = Object.entries(value);
  if (entries.length > MAX_HEADS) return `heads may name at most ${MAX_HEADS} labels`;
  for (const [label, commit] of entries) {
    if (!LABEL.test(label)) return 'heads has an invalid label';
    if (typeof commit !== 'string' || !COMMIT.test(commit)) return 'heads has an invalid commit id';
  }
  return undefined;
}

/**
 * Parses and checks one message from the channel. Unknown fields are ignored, so a later
 * version may add some without breaking this one.
 * @param raw the message exactly as received.
 */
export function parseBusMessage(raw: string | Buffer): ParseResult {
  if (Buffer.byteLength(raw) > MAX_MESSAGE_BYTES)
    return { ok: false, reason: `larger than ${MAX_MESSAGE_BYTES} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(raw.toString());
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!isObject(value)) return { ok: false, reason: 'not a JSON object' };
  if (value.v !== BUS_PROTOCOL_VERSION)
    return { ok: false, reason: `unsupported version ${JSON.stringify(value.v) ?? 'none'}` };
  const { type, replica, instance, at } = value;
  if (typeof replica !== 'string' || !isValidReplicaId(replica))
    return { ok: false, reason: 'replica is missing or invalid' };
  if (typeof instance !== 'string' || !INSTANCE_ID.test(instance))
    return { ok: false, reason: 'instance is missing or invalid' };
  if (typeof at !== 'number' || !Number.isFinite(at) || at < 0)
    return { ok: false, reason: 'at must be a time in ms' };
  const envelope = { v: BUS_PROTOCOL_VERSION, replica, instance, at } as const;
  if (type === 'change') {
    const problem = checkRefs(value.refs);
    if (problem) return { ok: false, reason: problem };
    return { ok: true, message: { ...envelope, type, refs: [...(value.refs as string[])] } };
  }
  if (type === 'heads') {
    const problem = checkHeads(value.heads);
    if (problem) return { ok: false, reason: problem };
    return {
      ok: true,
      message: { ...envelope, type, heads: { ...(value.heads as Record<string, string>) } },
    };
  }
  return { ok: false, reason: 'type must be "change" or "heads"' };
}

/** Keeps the refs a change message may carry (drops any that would make it invalid). */
export function sendableRefs(refs: readonly string[]): string[] {
  return refs.filter((r) => REF.test(r)).slice(0, MAX_REFS);
}

/** Labels a heads message may carry: `HEAD` first, then the others, capped at {@link MAX_HEADS}. */
export function sendableHeads(labels: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const head = labels.get('HEAD');
  if (head && COMMIT.test(head)) out.HEAD = head;
  let count = Object.keys(out).length;
  for (const [label, commit] of labels) {
    if (count >= MAX_HEADS) break;
    if (label === 'HEAD' || !LABEL.test(label) || !COMMIT.test(commit)) continue;
    out[label] = commit;
    count++;
  }
  return out;
}
