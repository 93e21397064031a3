import { EventEmitter } from 'node:events';
import { HotconfClientError } from './errors.js';
import type { ConfigObject } from './protocol.js';

/** Every event a client emits, by name. Use these rather than string literals. */
export const ClientEvents = {
  /** A new document was accepted: `(event: ChangeEvent<T>)`. */
  CHANGE: 'change',
  /** The live subscription is (re)established and the document is current: `(event: ConnectedEvent)`. */
  CONNECTED: 'connected',
  /** The live connection was lost; the client reconnects by itself: `(event: DisconnectedEvent)`. */
  DISCONNECTED: 'disconnected',
  /** The client booted from its cache file because the server could not be reached: `(event: StaleEvent)`. */
  STALE: 'stale',
  /** Something went wrong that the host may want to log: `(error: HotconfClientError)`. */
  ERROR: 'error',
} as const;

/** One of the names in {@link ClientEvents}. */
export type ClientEventName = (typeof ClientEvents)[keyof typeof ClientEvents];

/** Payload of `change`. */
export interface ChangeEvent<T = ConfigObject> {
  /** The new document (deep-frozen). */
  config: T;
  /** The document it replaces (deep-frozen). */
  previous: T;
  /** Dotted paths whose value changed, e.g. `db.pool.max`. */
  changedKeys: string[];
  /** Commit id of the new document. */
  version: string;
  /** Content hash of the new document. */
  etag: string;
}

/** Payload of `connected`. */
export interface ConnectedEvent {
  /** Commit id the client holds once the subscription is confirmed. */
  version: string;
  /** Etag the client holds once the subscription is confirmed. */
  etag: string;
}

/** Payload of `disconnected`. */
export interface DisconnectedEvent {
  /** WebSocket close code (1006 when the connection dropped without one). */
  code: number;
  /** Close reason sent by the server, often empty. */
  reason: string;
  /** Milliseconds until the next reconnection attempt. */
  retryInMs: number;
}

/** Payload of `stale`. */
export interface StaleEvent {
  /** The cache file the document came from. */
  cacheFile: string;
  /** Commit id of the cached document. */
  version: string;
  /** Etag of the cached document. */
  etag: string;
  /** When the cache file was written (ISO 8601). */
  savedAt: string;
  /** Why the server was not used. */
  reason: string;
}

/** Event name → listener argument. */
export interface ClientEventMap<T = ConfigObject> {
  change: ChangeEvent<T>;
  connected: ConnectedEvent;
  disconnected: DisconnectedEvent;
  stale: StaleEvent;
  error: Error;
}

/** Where warnings go when nobody listens for `error`. */
export interface Logger {
  warn(message: string, ...rest: unknown[]): void;
}

/**
 * An EventEmitter with typed events whose delivery never lets one listener break another:
 * a listener that throws (or returns a rejected promise) is reported through `error`, and an
 * `error` nobody listens to is logged through the logger, never thrown into the host.
 */
export class SafeEmitter<M extends object> extends EventEmitter {
  /** @param logger receives errors nobody listens for. */
  constructor(protected readonly logger: Logger) {
    super();
  }

  override on<K extends keyof M & string>(event: K, listener: (payload: M[K]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override once<K extends keyof M & string>(event: K, listener: (payload: M[K]) => void): this {
    return super.once(event, listener as (...args: unknown[]) => void);
  }

  override off<K extends keyof M & string>(event: K, listener: (payload: M[K]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }

  override addListener<K extends keyof M & string>(
    event: K,
    listener: (payload: M[K]) => void,
  ): this {
    return super.addListener(event, listener as (...args: unknown[]) => void);
  }

  override removeListener<K extends keyof M & string>(
    event: K,
    listener: (payload: M[K]) => void,
  ): this {
    return super.removeListener(event, listener as (...args: unknown[]) => void);
  }

  /**
   * Emits without letting a listener's exception escape: each listener runs in turn, a
   * throwing one is reported through `error`. Returns whether anyone listened.
   */
  override emit<K extends keyof M & string>(event: K, payload: M[K]): boolean {
    const listeners = this.rawListeners(event) as Array<(payload: unknown) => unknown>;
    if (listeners.length === 0) {
      if (event === 'error') this.logUnhandled(payload as Error);
      return false;
    }
    for (const raw of listeners) {
      // rawListeners keeps `once` wrappers, which remove themselves when called.
      this.guard(event, () => raw.call(this, payload));
    }
    return true;
  }

  /** Runs one listener call, reporting a throw or a rejected promise from it. */
  protected guard(event: string, call: () => unknown): void {
    try {
      const result = call();
      if (isThenable(result)) {
        result.then(undefined, (err: unknown) => this.reportListenerError(event, err));
      }
    } catch (err) {
      this.reportListenerError(event, err);
    }
  }

  /** A listener failed: tell `error` listeners, or the logger when it was one of them. */
  protected reportListenerError(event: string, err: unknown): void {
    const error = toError(err);
    const wrapped = new HotconfClientError(
      'HC_LISTENER_THREW',
      `a '${event}' listener threw: ${error.message}`,
      { cause: error },
    );
    if (event === 'error') {
      this.logger.warn(`[hotconf] an 'error' listener threw: ${error.message}`);
      return;
    }
    this.emit('error' as keyof M & string, wrapped as M[keyof M & string]);
  }

  private logUnhandled(error: Error): void {
    this.logger.warn(`[hotconf] ${error.message}`);
  }
}

/** Coerces anything thrown into an Error. */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
