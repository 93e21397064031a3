/**
 * The fleet half of the `/v1/watch` protocol (DESIGN §10): who an instance is (`hello`,
 * `welcome`) and what it did with each document it was sent (`applied`, `failed`).
 * The server validates these frames against `schemas/protocol.schema.json`; the limits
 * below mirror it so the SDK refuses bad options before they reach the wire.
 */

import { createRequire } from 'node:module';
import os from 'node:os';

/** Client → server, first on each connection: who this instance is. */
export interface HelloMessage {
  type: 'hello';
  /** The id to keep; the server assigns one when absent (or already live elsewhere). */
  instanceId?: string;
  labels: Record<string, string>;
  host?: string;
  pid?: number;
  /** `@hotconf/client/x.y.z`. */
  sdk: string;
}

/** Server → client, answering `hello`: the id this connection is known by. */
export interface WelcomeMessage {
  type: 'welcome';
  instanceId: string;
}

/** Client → server: every listener of the document with `etag` returned or settled. */
export interface AppliedMessage {
  type: 'applied';
  /** Subscription id the document came on. */
  id: string;
  etag: string;
}

/** Client → server: a listener threw or rejected on the document with `etag`. */
export interface FailedMessage {
  type: 'failed';
  id: string;
  etag: string;
  /** The first 1 kB (UTF-8) of the error's message. */
  error: string;
}

/** Limits on `hello` (DESIGN §10: at most 20 labels, short keys and values). */
export const FLEET_LIMITS = {
  maxLabels: 20,
  /** Label keys: 1-63 letters, digits, `.`, `_`, `/`, `-`, starting with a letter or digit. */
  labelKey: /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/,
  /** Label values: up to 128 characters, none of them a control character. */
  labelValue: /^[^\p{Cc}]{0,128}$/u,
  /** Instance ids: 1-128 letters, digits, `.`, `_`, `:`, `@`, `-` (a pod name fits). */
  instanceId: /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/,
  /** Bytes of a `failed` message's error kept. */
  maxErrorBytes: 1024,
} as const;

/** Error code of the `error` sent when a `hello` claims the id of another live connection. */
export const INSTANCE_ID_IN_USE = 'HC_INSTANCE_ID_IN_USE';

/** This SDK's name and version as sent in `hello`. */
export const SDK_NAME = `@hotconf/client/${sdkVersion()}`;

function sdkVersion(): string {
  try {
    const pkg = createRequire(import.meta.url)('../package.json') as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * Checks the `instanceId` and `labels` options.
 * @throws TypeError naming the option and the rule it breaks.
 */
export function checkFleetOptions(
  instanceId: unknown,
  labels: unknown,
): { instanceId: string | undefined; labels: Record<string, string> } {
  if (instanceId !== undefined) {
    if (typeof instanceId !== 'string' || !FLEET_LIMITS.instanceId.test(instanceId)) {
      throw new TypeError(`options.instanceId must match ${FLEET_LIMITS.instanceId.source}`);
    }
  }
  if (labels === undefined) return { instanceId, labels: {} };
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new TypeError('options.labels must be an object of strings');
  }
  const entries = Object.entries(labels);
  if (entries.length > FLEET_LIMITS.maxLabels) {
    throw new TypeError(`options.labels may hold at most ${FLEET_LIMITS.maxLabels} labels`);
  }
  for (const [key, value] of entries) {
    if (!FLEET_LIMITS.labelKey.test(key)) {
      throw new TypeError(
        `options.labels key "${key.slice(0, 70)}" must match ${FLEET_LIMITS.labelKey.source}`,
      );
    }
    if (typeof value !== 'string' || !FLEET_LIMITS.labelValue.test(value)) {
      throw new TypeError(
        `options.labels.${key} must be a string of at most 128 characters without control characters`,
      );
    }
  }
  return { instanceId, labels: { ...(labels as Record<string, string>) } };
}

/** The `hello` this process sends, with `instanceId` when it has one. */
export function helloMessage(
  instanceId: string | undefined,
  labels: Record<string, string>,
): HelloMessage {
  return {
    type: 'hello',
    ...(instanceId === undefined ? {} : { instanceId }),
    labels,
    host: os.hostname().slice(0, 255),
    pid: process.pid,
    sdk: SDK_NAME,
  };
}

/** The first 1 kB (UTF-8) of what was thrown, cut on a character boundary. */
export function failureText(err: unknown): string {
  const text = err instanceof Error ? err.message || err.name : String(err);
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= FLEET_LIMITS.maxErrorBytes) return text;
  let end = FLEET_LIMITS.maxErrorBytes;
  // Back off continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * The listeners called for one delivered document: records the first throw or rejection
 * and lets the caller wait until every asynchronous listener has settled.
 */
export class Delivery {
  private readonly pending: Promise<void>[] = [];
  private failure: string | undefined;

  /** Runs one listener call; `report` hears about its throw or rejection as before. */
  run(call: () => unknown, report: (err: unknown) => void): void {
    try {
      const result = call();
      if (isThenable(result)) {
        this.pending.push(
          Promise.resolve(result).then(
            () => undefined,
            (err: unknown) => {
              this.fail(err);
              report(err);
            },
          ),
        );
      }
    } catch (err) {
      this.fail(err);
      report(err);
    }
  }

  /** Resolves once every listener settled: with the first failure's text, or undefined. */
  async settled(): Promise<string | undefined> {
    await Promise.all(this.pending);
    return this.failure;
  }

  private fail(err: unknown): void {
    this.failure ??= failureText(err);
  }
}

/** What one client did with a delivered document: undefined when it applied cleanly. */
export type DeliveryOutcome = Promise<string | undefined>;

/**
 * The `applied` or `failed` to send for subscription `id` once every client sharing it
 * has settled its listeners; `failed` when any one of them failed.
 */
export async function acknowledgement(
  id: string,
  etag: string,
  outcomes: DeliveryOutcome[],
): Promise<AppliedMessage | FailedMessage> {
  const results = await Promise.all(outcomes);
  const error = results.find((r) => r !== undefined);
  return error === undefined ? { type: 'applied', id, etag } : { type: 'failed', id, etag, error };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * One connection's identity in the fleet: the id it asked for, then the one the server
 * gave (kept for every reconnect of this process), and its labels.
 */
export class InstanceIdentity {
  private given: string | undefined;
  private answered = false;

  constructor(
    private readonly requested: string | undefined,
    private readonly labels: Record<string, string>,
  ) {}

  /** The id the server knows this connection by; undefined before the first `welcome`. */
  get instanceId(): string | undefined {
    return this.given;
  }

  /**
   * True once the server answered this connection's `hello`: only then are `applied` and
   * `failed` sent, so a server without the fleet view never sees frames it cannot read.
   */
  get welcomed(): boolean {
    return this.answered;
  }

  /** The `hello` for the next (re)connection: the server-given id once there is one. */
  hello(): HelloMessage {
    this.answered = false;
    return helloMessage(this.given ?? this.requested, this.labels);
  }

  /** The server's answer: the id to keep. */
  welcome(message: WelcomeMessage): void {
    this.given = message.instanceId;
    this.answered = true;
  }
}

/**
 * How long an `applied`/`failed` is held after the listeners settle. A change reaches
 * every instance of a fleet within the same few hundred ms; were each to answer at once,
 * the server would read ten thousand acks while it is still writing the change to the
 * rest (and the instances' hosts would spend that moment sending rather than receiving).
 * Held back, the acks arrive after the fan-out, and a change superseded within the hold
 * is acknowledged once, for the newer document. TCP's delayed ACK makes the same trade.
 */
export const ACK_HOLD_MS = 150;

/**
 * Sends `applied`/`failed` for deliveries once they settle, {@link ACK_HOLD_MS} later.
 * Only the newest delivery of a subscription is reported, so a slow listener on an older
 * document can never make the server believe the instance went back to it.
 */
export class Acknowledger {
  private readonly latest = new Map<string, number>();
  private counter = 0;

  constructor(private readonly holdMs: number = ACK_HOLD_MS) {}

  /**
   * Reports the delivery of `etag` on subscription `id` once `outcomes` settle, through
   * `send` (which drops the message when the socket it came on is gone).
   */
  report(
    id: string,
    etag: string,
    outcomes: DeliveryOutcome[],
    send: (message: AppliedMessage | FailedMessage) => void,
  ): void {
    const mine = ++this.counter;
    this.latest.set(id, mine);
    void acknowledgement(id, etag, outcomes).then((message) => {
      // Unref'd: an ack not yet sent is no reason to keep a closing process alive.
      setTimeout(() => {
        if (this.latest.get(id) !== mine) return;
        this.latest.delete(id);
        send(message);
      }, this.holdMs).unref();
    });
  }
}

/**
 * A `welcome` frame, or undefined for any other text. The server writes it with `type`
 * first, so other frames are told apart without parsing them twice.
 */
export function parseWelcome(text: string): WelcomeMessage | undefined {
  if (!text.startsWith('{"type":"welcome"')) return undefined;
  try {
    const value = JSON.parse(text) as { instanceId?: unknown };
    return typeof value.instanceId === 'string'
      ? { type: 'welcome', instanceId: value.instanceId }
      : undefined;
  } catch {
    return undefined;
  }
}
