import type { Logger } from '../logger.js';
import { hidePassword, type BusAddress } from './bus-url.js';

export interface BusHealthOptions {
  address: BusAddress;
  log: Logger;
  /** Milliseconds between heads announcements: a subscriber that hears nothing for two is deaf. */
  headsIntervalMs: number;
  /** The bus came up; `reconnected` when it had been up before (messages may have been lost). */
  onUp(reconnected: boolean): void;
}

/**
 * Whether the bus is up: both connections ready, the subscriber subscribed, and the
 * subscriber still hearing this replica's own messages. Says each transition in the log
 * once, and keeps the last error with the password hidden.
 */
export class BusHealth {
  private pubReady = false;
  private subscribed = false;
  private current: 'up' | 'down' = 'down';
  private since = new Date();
  private wasUp = false;
  private warnedDown = false;
  private lastError: string | undefined;
  /** When the oldest message not yet heard back on the subscriber was sent. */
  private awaitingEcho: number | undefined;
  private stopped = false;

  constructor(private readonly options: BusHealthOptions) {}

  state(): 'up' | 'down' {
    return this.current;
  }

  /** True when a message may be published now. */
  canPublish(): boolean {
    return this.pubReady && !this.stopped;
  }

  publisherReady(ready: boolean): void {
    this.pubReady = ready;
    this.update();
  }

  subscriberReady(ready: boolean): void {
    this.subscribed = ready;
    if (ready) this.awaitingEcho = undefined;
    this.update();
  }

  /** A message left; its echo is expected back on the subscriber. */
  sent(): void {
    this.awaitingEcho ??= Date.now();
  }

  /** This replica's own message came back: the subscriber hears. */
  echoed(): void {
    this.awaitingEcho = undefined;
  }

  /**
   * True when the subscriber stopped hearing even this replica (a half-open socket after
   * a partition): the caller replaces it. Marks the bus down.
   */
  deaf(): boolean {
    const deaf =
      this.awaitingEcho !== undefined &&
      Date.now() - this.awaitingEcho > 2 * this.options.headsIntervalMs;
    if (this.current !== 'up' || !deaf) return false;
    this.options.log.warn('the bus subscriber hears nothing, not even this replica; reconnecting');
    this.awaitingEcho = undefined;
    this.subscriberReady(false);
    return true;
  }

  failed(error: Error): void {
    if (this.stopped) return;
    const { address, log } = this.options;
    this.lastError = hidePassword(address, error.message).slice(0, 300);
    if (this.current === 'down' && !this.wasUp && !this.warnedDown) {
      this.warnedDown = true;
      log.warn(
        { url: address.redacted, reason: this.lastError },
        'cannot reach the bus; serving and polling go on, retrying',
      );
    }
  }

  /** For `/v1/status`. */
  status(): { state: 'up' | 'down'; since: string; lastError: string | null } {
    return {
      state: this.current,
      since: this.since.toISOString(),
      lastError: this.lastError ?? null,
    };
  }

  stop(): void {
    this.stopped = true;
  }

  private update(): void {
    if (this.stopped) return;
    const { address, log } = this.options;
    const next = this.pubReady && this.subscribed ? 'up' : 'down';
    if (next === this.current) return;
    this.current = next;
    this.since = new Date();
    if (next === 'down') {
      log.warn(
        { url: address.redacted, reason: this.lastError },
        'the bus is down; serving and polling go on, reconnecting',
      );
      return;
    }
    log.info({ url: address.redacted, channel: address.channel }, 'the bus is up');
    this.lastError = undefined;
    const reconnected = this.wasUp;
    this.wasUp = true;
    this.options.onUp(reconnected);
  }
}
