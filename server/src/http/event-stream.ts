import Router from '@koa/router';
import { PassThrough } from 'node:stream';
import type { DocumentRecord, PublisherEvents } from '../publish/publisher.js';
import { HotconfError } from '../errors.js';
import { requirePrincipal, type Access, type Principal } from '../access/access.js';

/** What `/v1/events` listens to on the publisher: its existing events, nothing more. */
export interface PublisherFeed {
  on<K extends keyof PublisherEvents>(
    event: K,
    listener: (...args: PublisherEvents[K]) => void,
  ): unknown;
  off<K extends keyof PublisherEvents>(
    event: K,
    listener: (...args: PublisherEvents[K]) => void,
  ): unknown;
}

/** An event as sent: its kind is the SSE `event:` field, the payload its JSON `data:`. */
export interface StreamPayload {
  /** The service the event is about; without one, the event carries no data a token could lack. */
  service?: string;
  [field: string]: unknown;
}

export interface EventStreamOptions {
  publisher: PublisherFeed;
  access: Access;
  /** A comment line this often keeps proxies from closing an idle stream. Default 15 s. */
  heartbeatMs?: number;
  /** Streams open at once; more get 503. Default 1000. */
  maxStreams?: number;
}

interface Listener {
  authorization: string | undefined;
  /** Who the stream is for; re-read by `revalidate()` when the token file changes. */
  principal: Principal;
  out: PassThrough;
}

/** A client this far behind is cut off; it reconnects and re-reads what it shows. */
const MAX_BUFFERED_BYTES = 1 << 20;

const DEFAULTS = { heartbeatMs: 15_000, maxStreams: 1000 };

/**
 * `GET /v1/events`: server-sent events for the console. Each stream gets the publisher's
 * `change`, `rejected`, `removed` and `settled`, and whatever a later stage hands to
 * {@link EventStream.emit} (fleet `applied`, rollout steps), filtered to the services the
 * caller's token may read. A token removed from the token file ends its stream at
 * {@link EventStream.revalidate}; a client that stops reading is cut off after 1 MiB.
 */
export class EventStream {
  private readonly listeners = new Set<Listener>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly options: Required<EventStreamOptions>;
  private closed = false;
  private readonly onChange: (...args: PublisherEvents['change']) => void;
  private readonly onRejected: (...args: PublisherEvents['rejected']) => void;
  private readonly onRemoved: (...args: PublisherEvents['removed']) => void;
  private readonly onSettled: () => void;

  constructor(options: EventStreamOptions) {
    this.options = { ...DEFAULTS, ...options };
    if (!(this.options.heartbeatMs > 0))
      throw new TypeError('heartbeatMs must be a positive number');
    const { publisher } = this.options;
    this.onChange = (e) =>
      this.emit('change', {
        ...where(e.record),
        version: e.document.version,
        etag: e.document.etag,
        changedKeys: e.changedKeys,
      });
    this.onRejected = (record, rejection) =>
      this.emit('rejected', {
        ...where(record),
        commit: rejection.commit.id,
        author: rejection.commit.author,
      });
    this.onRemoved = (record) => this.emit('removed', where(record));
    this.onSettled = () => this.emit('settled', {});
    publisher.on('change', this.onChange);
    publisher.on('rejected', this.onRejected);
    publisher.on('removed', this.onRemoved);
    publisher.on('settled', this.onSettled);
    this.heartbeat = setInterval(() => this.broadcast(': ping\n\n'), this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Streams open now. */
  get size(): number {
    return this.listeners.size;
  }

  /**
   * Sends an event to every stream whose token may read `payload.service` (to every stream
   * when there is no `service`: such a payload must hold nothing service-specific). The
   * hook for the fleet (`applied`, `failed`, `online`) and rollouts (`rollout`).
   * @param kind an SSE event name: letters, digits, `-` and `_`.
   */
  emit(kind: string, payload: StreamPayload): void {
    if (!/^[\w-]{1,40}$/.test(kind))
      throw new TypeError(`event kind must be a short word, got ${kind}`);
    if (this.closed) return;
    const frame = `event: ${kind}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const listener of this.listeners) {
      if (payload.service === undefined || listener.principal.canRead(payload.service))
        this.write(listener, frame);
    }
  }

  /**
   * Identifies every stream's token again (call it when the token file changes): a stream
   * whose token is gone ends; one whose services changed gets the new set from now on.
   */
  revalidate(): void {
    for (const listener of this.listeners) {
      const principal = this.options.access.identify(listener.authorization);
      if (principal) listener.principal = principal;
      else listener.out.end();
    }
  }

  /** The `GET /v1/events` route. */
  routes(): Router {
    const router = new Router();
    router.get('/v1/events', (ctx) => {
      const authorization = ctx.get('Authorization') || undefined;
      const principal = requirePrincipal(this.options.access, authorization);
      if (this.closed) throw new HotconfError(503, 'HC_UNAVAILABLE', 'the server is shutting down');
      if (this.listeners.size >= this.options.maxStreams) {
        throw new HotconfError(
          503,
          'HC_TOO_MANY_STREAMS',
          'too many event streams are open; try again later',
        );
      }
      const out = new PassThrough();
      const listener: Listener = { authorization, principal, out };
      this.listeners.add(listener);
      const drop = () => {
        this.listeners.delete(listener);
        out.end();
      };
      // The response closes when the client goes away (or the stream is ended here).
      ctx.res.on('close', drop);
      out.on('close', () => this.listeners.delete(listener));
      ctx.req.socket.setTimeout(0);
      ctx.set('Cache-Control', 'no-store');
      ctx.set('X-Accel-Buffering', 'no');
      ctx.type = 'text/event-stream; charset=utf-8';
      ctx.status = 200;
      // `retry` tells EventSource-style clients how soon to come back; `ready` that the
      // stream is live, so a page can re-read what it may have missed while connecting.
      out.write('retry: 1000\n\nevent: ready\ndata: {}\n\n');
      ctx.body = out;
    });
    return router;
  }

  /** Ends every stream and stops listening; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    const { publisher } = this.options;
    publisher.off('change', this.onChange);
    publisher.off('rejected', this.onRejected);
    publisher.off('removed', this.onRemoved);
    publisher.off('settled', this.onSettled);
    for (const listener of this.listeners) listener.out.end();
    this.listeners.clear();
  }

  private broadcast(text: string): void {
    for (const listener of this.listeners) this.write(listener, text);
  }

  private write(listener: Listener, text: string): void {
    if (listener.out.writableLength > MAX_BUFFERED_BYTES) listener.out.end();
    else listener.out.write(text);
  }
}

function where(record: DocumentRecord) {
  return { service: record.service, profiles: record.profiles, label: record.label };
}
