import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { changedKeys, CloseCodes, type SubscribeMessage } from '@hotconf/client';
import { checkLabel, parseProfiles } from '../config/names.js';
import { HotconfError } from '../errors.js';
import type { FleetObserver } from '../fleet/fleet-observer.js';
import type { Access, Principal } from '../http/access.js';
import type { Logger } from '../logger.js';
import type { ChangeEvent, DocumentRecord, Publisher } from '../publish/publisher.js';
import type { PublishedDocument } from '../publish/published-document.js';
import { ClientMessageParser, isFault } from './client-messages.js';
import {
  ChangeFrames,
  changeFrame,
  errorFrame,
  snapshotFrame,
  subscribedFrame,
} from './server-messages.js';

export interface WatchHubOptions {
  publisher: Publisher;
  access: Access;
  logger: Logger;
  /** Ms between pings; a peer silent for two is dropped. Default 30 000. */
  pingIntervalMs?: number;
  /** Subscriptions one connection may hold. Default 100. */
  maxSubscriptions?: number;
  /** Buffered bytes past which a connection only gets the newest document. Default 4 MiB. */
  bufferLimit?: number;
  /** A connection still over the limit after this long is closed. Default 30 000 ms. */
  stuckTimeoutMs?: number;
  /** Faults tolerated before a peer is closed with 1008. Default 10. */
  maxFaults?: number;
  /** Hears `hello`/`applied`/`failed` and closes for the fleet view (DESIGN §10). */
  fleet?: FleetObserver;
}

/** Hooks for metrics, set by whoever wires the hub. */
export interface WatchHubMetrics {
  pushed(count: number, seenAt: number): void;
}

/** Frames are prebuilt Buffers of JSON: they must still go out as text frames. */
const TEXT = { binary: false } as const;

interface Subscription {
  id: string;
  conn: Connection;
  record: DocumentRecord;
  /** The last document this subscriber was sent (or told it holds). */
  sent: PublishedDocument | undefined;
  /** Newest document not yet sent because the connection is congested. */
  pending: PublishedDocument | undefined;
  /** The client applies merge patches. */
  patch: boolean;
}

interface Connection {
  ws: WebSocket;
  principal: Principal;
  authorization: string | undefined;
  subs: Map<string, Subscription>;
  /** Ids whose subscribe is being looked up: they count against the limit already. */
  subscribing: Set<string>;
  faults: number;
  lastSeen: number;
  congestedSince: number | undefined;
}

/**
 * `/v1/watch`: subscriptions per connection, each change serialised once per document
 * and id, newest-only delivery to congested peers, heartbeat, and shutdown with 1012.
 */
export class WatchHub {
  private readonly wss: WebSocketServer;
  private readonly parser = new ClientMessageParser();
  private readonly connections = new Set<Connection>();
  /** Connections holding back documents until they drain: all `relieve` has to look at. */
  private readonly congested = new Set<Connection>();
  /** Document key → subscriptions to it. */
  private readonly byDocument = new Map<string, Set<Subscription>>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly congestionTimer: NodeJS.Timeout;
  private readonly opts: Required<
    Omit<WatchHubOptions, 'publisher' | 'access' | 'logger' | 'fleet'>
  >;
  metrics: WatchHubMetrics | undefined;

  constructor(private readonly options: WatchHubOptions) {
    this.opts = {
      pingIntervalMs: options.pingIntervalMs ?? 30_000,
      maxSubscriptions: options.maxSubscriptions ?? 100,
      bufferLimit: options.bufferLimit ?? 4 << 20,
      stuckTimeoutMs: options.stuckTimeoutMs ?? 30_000,
      maxFaults: options.maxFaults ?? 10,
    };
    // Frames past 64 kB are answered with an error; ws itself cuts off at 1 MiB.
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: 1 << 20,
      perMessageDeflate: false,
      clientTracking: false,
    });
    options.publisher.on('change', (event) => this.broadcast(event));
    options.publisher.on('removed', (record) => this.dropDocument(record));
    this.heartbeat = setInterval(() => this.beat(), this.opts.pingIntervalMs);
    this.heartbeat.unref();
    this.congestionTimer = setInterval(() => this.relieve(), 50);
    this.congestionTimer.unref();
  }

  /** Connections and subscriptions now, for metrics and status. */
  counts(): { connections: number; subscriptions: number } {
    let subscriptions = 0;
    for (const c of this.connections) subscriptions += c.subs.size;
    return { connections: this.connections.size, subscriptions };
  }

  /** Takes over an HTTP upgrade for `/v1/watch`; refuses one without a valid token. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const authorization = req.headers.authorization;
    const principal = this.options.access.identify(authorization);
    if (!principal) {
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error":{"code":"HC_UNAUTHORIZED","message":"a valid token is required"}}',
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, principal, authorization));
  }

  /** Re-checks every connection's token (the token file changed); closes revoked ones with 4401. */
  revalidate(): void {
    for (const conn of this.connections) {
      const principal = this.options.access.identify(conn.authorization);
      if (!principal) {
        conn.ws.close(CloseCodes.UNAUTHORIZED, 'token revoked');
        continue;
      }
      conn.principal = principal;
      for (const sub of [...conn.subs.values()]) {
        if (!principal.canRead(sub.record.service)) {
          this.unsubscribe(conn, sub.id);
          this.send(
            conn,
            errorFrame(
              'HC_FORBIDDEN',
              `this token may no longer read service ${sub.record.service}`,
              sub.id,
            ),
          );
        }
      }
    }
  }

  /** Closes every connection with 1012 and stops; resolves once they are gone (at most ~2 s). */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.congestionTimer);
    const closing = [...this.connections].map(
      (c) =>
        new Promise<void>((resolve) => {
          c.ws.once('close', () => resolve());
          c.ws.close(CloseCodes.SERVICE_RESTART, 'server restarting');
          setTimeout(() => {
            c.ws.terminate();
            resolve();
          }, 2000).unref();
        }),
    );
    await Promise.all(closing);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket, principal: Principal, authorization: string | undefined): void {
    const conn: Connection = {
      ws,
      principal,
      authorization,
      subs: new Map(),
      subscribing: new Set(),
      faults: 0,
      lastSeen: Date.now(),
      congestedSince: undefined,
    };
    this.connections.add(conn);
    const fleet = this.options.fleet?.opened({
      principal: () => conn.principal,
      send: (frame) => this.send(conn, frame),
      fault: (code, message, id) => this.fault(conn, code, message, id),
      document: (id) => conn.subs.get(id)?.record,
      documents: () => [...conn.subs.values()].map((sub) => sub.record),
    });
    ws.on('message', (data: Buffer, isBinary) => {
      conn.lastSeen = Date.now();
      if (!isBinary && fleet?.receive(data)) return;
      const size = data.length;
      const parsed = isBinary
        ? { code: 'HC_BAD_MESSAGE', message: 'frames must be JSON text' }
        : this.parser.parse(data, size);
      if (isFault(parsed)) {
        this.fault(conn, parsed.code, parsed.message, parsed.id);
        return;
      }
      if (parsed.type === 'unsubscribe') this.unsubscribe(conn, parsed.id);
      else void this.subscribe(conn, parsed);
    });
    ws.on('pong', () => {
      conn.lastSeen = Date.now();
    });
    ws.on('error', () => undefined);
    ws.on('close', (code: number) => {
      fleet?.closed(code);
      for (const id of [...conn.subs.keys()]) this.unsubscribe(conn, id);
      this.connections.delete(conn);
    });
  }

  private fault(conn: Connection, code: string, message: string, id?: string): void {
    this.send(conn, errorFrame(code, message, id));
    if (++conn.faults >= this.opts.maxFaults)
      conn.ws.close(CloseCodes.POLICY_VIOLATION, 'too many malformed messages');
  }

  private async subscribe(conn: Connection, msg: SubscribeMessage): Promise<void> {
    const held = new Set([...conn.subs.keys(), ...conn.subscribing]);
    if (!held.has(msg.id) && held.size >= this.opts.maxSubscriptions) {
      this.fault(
        conn,
        'HC_TOO_MANY_SUBSCRIPTIONS',
        `a connection may hold at most ${this.opts.maxSubscriptions} subscriptions`,
        msg.id,
      );
      return;
    }
    if (!conn.principal.canRead(msg.service)) {
      this.send(
        conn,
        errorFrame('HC_FORBIDDEN', `this token may not read service ${msg.service}`, msg.id),
      );
      return;
    }
    let record: DocumentRecord;
    conn.subscribing.add(msg.id);
    try {
      const label = msg.label ? checkLabel(msg.label) : undefined;
      record = await this.options.publisher.record(msg.service, parseProfiles(msg.profiles), label);
    } catch (error) {
      const e = error instanceof HotconfError && error.expose ? error : undefined;
      this.send(conn, errorFrame(e?.code ?? 'HC_INTERNAL', e?.message ?? 'internal error', msg.id));
      return;
    } finally {
      conn.subscribing.delete(msg.id);
    }
    if (!this.connections.has(conn)) return;
    this.unsubscribe(conn, msg.id);
    const sub: Subscription = {
      id: msg.id,
      conn,
      record,
      sent: record.published,
      pending: undefined,
      patch: msg.patch === true,
    };
    conn.subs.set(msg.id, sub);
    let peers = this.byDocument.get(record.key);
    if (!peers) this.byDocument.set(record.key, (peers = new Set()));
    peers.add(sub);
    record.watchers++;
    const doc = record.published;
    if (!doc) {
      const problems = (record.rejection ?? record.lastRejection)?.problems
        .map((p) => p.message)
        .join('; ');
      this.send(
        conn,
        errorFrame(
          'HC_DOCUMENT_INVALID',
          `no valid version to serve yet${problems ? `: ${problems}` : ''}`,
          msg.id,
        ),
      );
      return;
    }
    this.send(
      conn,
      msg.etag === doc.etag ? subscribedFrame(msg.id, doc) : snapshotFrame(msg.id, doc),
    );
  }

  private unsubscribe(conn: Connection, id: string): void {
    const sub = conn.subs.get(id);
    if (!sub) return;
    conn.subs.delete(id);
    sub.record.watchers--;
    const peers = this.byDocument.get(sub.record.key);
    if (!peers) return;
    peers.delete(sub);
    if (peers.size === 0) this.byDocument.delete(sub.record.key);
  }

  private broadcast(event: ChangeEvent): void {
    const peers = this.byDocument.get(event.record.key);
    if (!peers || peers.size === 0) return;
    const frames = new ChangeFrames(event);
    let sent = 0;
    for (const sub of peers) {
      const conn = sub.conn;
      if (conn.congestedSince !== undefined || conn.ws.bufferedAmount > this.opts.bufferLimit) {
        if (conn.congestedSince === undefined) {
          conn.congestedSince = Date.now();
          this.congested.add(conn);
        }
        sub.pending = event.document;
        continue;
      }
      if (sub.sent?.etag === event.previous?.etag) {
        conn.ws.send((sub.patch && frames.patchBytesFor(sub.id)) || frames.bytesFor(sub.id), TEXT);
      } else {
        // This subscriber held another version (it subscribed mid-flight): its own diff.
        conn.ws.send(
          changeFrame(sub.id, event.document, changedKeys(sub.sent?.config, event.document.config)),
          TEXT,
        );
      }
      sub.sent = event.document;
      sent++;
    }
    this.metrics?.pushed(sent, event.seenAt);
  }

  /** Sends congested connections their newest pending documents once they drain. */
  private relieve(): void {
    const now = Date.now();
    for (const conn of this.congested) {
      if (conn.congestedSince === undefined || !this.connections.has(conn)) {
        this.congested.delete(conn);
        continue;
      }
      if (conn.ws.bufferedAmount > this.opts.bufferLimit / 2) {
        if (now - conn.congestedSince > this.opts.stuckTimeoutMs) {
          this.options.logger.warn(
            { subscriptions: conn.subs.size },
            'closing a WebSocket that stopped reading',
          );
          conn.ws.terminate();
        }
        continue;
      }
      conn.congestedSince = undefined;
      this.congested.delete(conn);
      for (const sub of conn.subs.values()) {
        const doc = sub.pending;
        if (!doc) continue;
        sub.pending = undefined;
        if (sub.sent?.etag === doc.etag) continue;
        this.send(conn, changeFrame(sub.id, doc, changedKeys(sub.sent?.config, doc.config)));
        sub.sent = doc;
      }
    }
  }

  private dropDocument(record: DocumentRecord): void {
    const peers = this.byDocument.get(record.key);
    if (!peers) return;
    for (const sub of [...peers]) {
      const conn = sub.conn;
      this.unsubscribe(conn, sub.id);
      this.send(
        conn,
        errorFrame(
          'HC_SERVICE_NOT_FOUND',
          `service ${record.service} has no config any more`,
          sub.id,
        ),
      );
    }
  }

  private beat(): void {
    const now = Date.now();
    for (const conn of this.connections) {
      if (now - conn.lastSeen > 2 * this.opts.pingIntervalMs) {
        conn.ws.terminate();
        continue;
      }
      conn.ws.ping();
    }
  }

  private send(conn: Connection, frame: string | Buffer): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(frame, TEXT);
  }
}
