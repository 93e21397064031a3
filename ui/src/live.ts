import { authHeaders } from './api';

/** One server-sent event from `/v1/events`. */
export interface LiveEvent {
  kind: string;
  data: Record<string, unknown>;
}

type Listener = (event: LiveEvent) => void;
type StatusListener = (live: boolean) => void;

/**
 * Follows `/v1/events` with fetch (not EventSource, which cannot send the session's
 * token), reconnecting with back-off; `start()` again after a new token restarts it.
 */
export class LiveFeed {
  private readonly listeners = new Set<Listener>();
  private readonly statusListeners = new Set<StatusListener>();
  private abort: AbortController | undefined;
  private retryMs = 500;
  private timer: number | undefined;
  live = false;

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** (Re)connects now. */
  start(): void {
    this.stop();
    const abort = new AbortController();
    this.abort = abort;
    void this.run(abort.signal);
  }

  stop(): void {
    this.abort?.abort();
    this.abort = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.setLive(false);
  }

  private async run(signal: AbortSignal): Promise<void> {
    try {
      const res = await fetch('/v1/events', {
        headers: { Accept: 'text/event-stream', ...authHeaders() },
        credentials: 'same-origin',
        signal,
      });
      // 401: the pages' own requests ask for the token, and a new token restarts the feed.
      if (res.status === 401 || !res.ok || !res.body) throw new Error(`events: ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.frame(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // Network trouble or an abort: retried below unless stopped.
    }
    if (signal.aborted) return;
    this.setLive(false);
    this.timer = window.setTimeout(() => this.start(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 10_000);
  }

  private frame(text: string): void {
    let kind = 'message';
    let data = '';
    for (const line of text.split('\n')) {
      if (line.startsWith('event: ')) kind = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (!data) return;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return;
    }
    if (kind === 'ready') {
      this.retryMs = 500;
      this.setLive(true);
    }
    for (const l of this.listeners) l({ kind, data: parsed });
  }

  private setLive(live: boolean): void {
    if (this.live === live) return;
    this.live = live;
    for (const l of this.statusListeners) l(live);
  }
}

/** The page's one feed. */
export const feed = new LiveFeed();
