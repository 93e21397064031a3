import type { Logger } from '../logger.js';
import type { PublishedDocument } from '../publish/published-document.js';
import type { Connection, Subscription } from './connection.js';

export interface BackPressureOptions {
  /** Buffered bytes past which a connection only gets the newest document. */
  bufferLimit: number;
  /** A connection still over the limit after this long is closed. */
  stuckTimeoutMs: number;
  logger: Logger;
  /** Sends the newest held-back document to a subscriber whose connection drained. */
  deliver(sub: Subscription, doc: PublishedDocument): void;
}

/**
 * Newest-only delivery for slow readers (DESIGN §5): a connection over its buffer limit
 * gets nothing more until it drains below half of it; then each of its subscriptions gets
 * one message for the newest document it missed. One that never drains is closed.
 */
export class BackPressure {
  /** Connections holding back documents until they drain: all the timer has to look at. */
  private readonly congested = new Set<Connection>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: BackPressureOptions) {
    this.timer = setInterval(() => this.relieve(), 50);
    this.timer.unref();
  }

  /**
   * True when `conn` must not be written to now (it is marked congested if it just went
   * over); the caller then holds the document back with {@link hold}.
   */
  blocked(conn: Connection): boolean {
    if (conn.congestedSince !== undefined) return true;
    if (conn.ws.bufferedAmount <= this.options.bufferLimit) return false;
    conn.congestedSince = Date.now();
    this.congested.add(conn);
    return true;
  }

  /** Remembers `doc` as the newest document `sub` has yet to get (older ones are dropped). */
  hold(sub: Subscription, doc: PublishedDocument): void {
    sub.pending = doc;
  }

  /** Forgets a closed connection. */
  forget(conn: Connection): void {
    this.congested.delete(conn);
    conn.congestedSince = undefined;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private relieve(): void {
    const now = Date.now();
    for (const conn of this.congested) {
      if (conn.ws.bufferedAmount > this.options.bufferLimit / 2) {
        if (now - (conn.congestedSince ?? now) > this.options.stuckTimeoutMs) {
          this.options.logger.warn(
            { subscriptions: conn.subs.size },
            'closing a WebSocket that stopped reading',
          );
          this.forget(conn);
          conn.ws.terminate();
        }
        continue;
      }
      this.forget(conn);
      for (const sub of conn.subs.values()) {
        const doc = sub.pending;
        if (!doc) continue;
        sub.pending = undefined;
        if (sub.sent?.etag !== doc.etag) this.options.deliver(sub, doc);
      }
    }
  }
}
