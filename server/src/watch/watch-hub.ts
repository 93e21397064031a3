import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCodes, type ClientMessage, type SubscribeMessage } from '@hotconf/client';
import { checkLabel, parseProfiles } from '../config/names.js';
import { ErrorCodes, HotconfError, type ErrorCode } from '../errors.js';
import { mayReadDocument, type Principal } from '../access/access.js';
import { documentOwners } from '../publish/document-record.js';
import type { ChangeEvent, DocumentRecord } from '../publish/publisher.js';
import { BackPressure } from './back-pressure.js';
import { CohortRouting } from './cohort-routing.js';
export type { CohortChooser } from './cohort-routing.js';
import { deliverChange, fanOut } from './change-fanout.js';
import { ClientMessageParser, isFault } from './client-messages.js';
import { newConnection, type Connection, type Subscription } from './connection.js';
import { errorFrame, snapshotFrame, subscribedFrame } from './server-messages.js';
import { SubscriptionTable } from './subscription-table.js';
import { sendText } from './text-frame.js';
import type { WatchHubOptions } from './watch-hub-options.js';
export type { TokenChanges, WatchHubMetrics, WatchHubOptions } from './watch-hub-options.js';

const UNAUTHORIZED_UPGRADE =
  'HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n' +
  '{"error":{"code":"HC_UNAUTHORIZED","message":"a valid token is required"}}';

/**
 * `/v1/watch`: accepts sockets, dispatches their messages, and pushes each published
 * change (framed once, see change-fanout.ts) with newest-only delivery to congested peers
 * (back-pressure.ts); heartbeat; shutdown with 1012.
 */
export class WatchHub {
  private readonly wss: WebSocketServer;
  private readonly parser = new ClientMessageParser();
  private readonly connections = new Set<Connection>();
  private readonly table: SubscriptionTable;
  private readonly backPressure: BackPressure;
  private readonly cohorts: CohortRouting;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly pingIntervalMs: number;
  private readonly maxSubscriptions: number;
  private readonly maxFaults: number;

  constructor(private readonly options: WatchHubOptions) {
    this.pingIntervalMs = options.pingIntervalMs ?? 30_000;
    this.maxSubscriptions = options.maxSubscriptions ?? 100;
    this.maxFaults = options.maxFaults ?? 10;
    // Frames past 64 kB are answered with an error; ws itself cuts off at 1 MiB.
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: 1 << 20,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.table = new SubscriptionTable(options.publisher);
    this.backPressure = new BackPressure({
      bufferLimit: options.bufferLimit ?? 4 << 20,
      stuckTimeoutMs: options.stuckTimeoutMs ?? 30_000,
      logger: options.logger,
      deliver: deliverChange,
    });
    this.cohorts = new CohortRouting(options.cohorts, this.backPressure);
    options.publisher.on('change', (event) => this.broadcast(event));
    options.tokenChanges?.on('change', () => this.revalidate());
    this.heartbeat = setInterval(() => this.beat(), this.pingIntervalMs);
    this.heartbeat.unref();
  }

  /** Connections and subscriptions now, for metrics and status. */
  counts(): { connections: number; subscriptions: number } {
    return { connections: this.connections.size, subscriptions: this.table.size };
  }

  /** Takes over an HTTP upgrade for `/v1/watch`; refuses one without a valid token. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const authorization = req.headers.authorization;
    const principal = this.options.access.identify(authorization);
    if (!principal) {
      socket.end(UNAUTHORIZED_UPGRADE);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, principal, authorization));
  }

  /** Re-checks every connection's token (the token file changed); closes revoked ones with 4401. */
  private revalidate(): void {
    for (const conn of this.connections) {
      const principal = this.options.access.identify(conn.authorization);
      if (!principal) {
        conn.ws.close(CloseCodes.UNAUTHORIZED, 'token revoked');
        continue;
      }
      conn.principal = principal;
      for (const sub of [...conn.subs.values()]) {
        const { service } = sub.record;
        if (mayReadDocument(principal, service, documentOwners(service, sub.record))) continue;
        this.table.remove(conn, sub.id);
        const message = `this token may no longer read service ${sub.record.service}`;
        sendText(conn.ws, errorFrame(ErrorCodes.FORBIDDEN, message, sub.id));
      }
    }
  }

  /** Closes every connection with 1012 and stops; resolves once they are gone (at most ~2 s). */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.backPressure.stop();
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
    const conn = newConnection(ws, principal, authorization);
    this.connections.add(conn);
    const fleet = (conn.fleet = this.options.fleet?.opened({
      principal: () => conn.principal,
      send: (frame) => sendText(conn.ws, frame),
      fault: (code, message, id) => this.fault(conn, code as ErrorCode, message, id),
      document: (id) => conn.subs.get(id)?.record,
      documents: () => [...conn.subs.values()].map((sub) => sub.record),
    }));
    ws.on('message', (data: Buffer, isBinary) => {
      conn.lastSeen = Date.now();
      if (!isBinary && fleet?.receive(data)) return;
      const parsed = isBinary
        ? { code: ErrorCodes.BAD_MESSAGE, message: 'frames must be JSON text' }
        : this.parser.parse(data, data.length);
      if (isFault(parsed)) this.fault(conn, parsed.code, parsed.message, parsed.id);
      else this.dispatch(conn, parsed);
    });
    ws.on('pong', () => {
      conn.lastSeen = Date.now();
    });
    ws.on('error', () => undefined);
    ws.on('close', (code: number) => {
      fleet?.closed(code);
      this.table.removeAll(conn);
      this.backPressure.forget(conn);
      this.connections.delete(conn);
    });
  }

  /** Every valid client message lands here, one case per message type. */
  private dispatch(conn: Connection, message: ClientMessage): void {
    switch (message.type) {
      case 'subscribe':
        void this.subscribe(conn, message);
        return;
      case 'unsubscribe':
        this.table.remove(conn, message.id);
        return;
    }
  }

  /** A malformed message: answered, and counted towards closing the peer with 1008. */
  private fault(conn: Connection, code: ErrorCode, message: string, id?: string): void {
    sendText(conn.ws, errorFrame(code, message, id));
    if (++conn.faults >= this.maxFaults)
      conn.ws.close(CloseCodes.POLICY_VIOLATION, 'too many malformed messages');
  }

  private async subscribe(conn: Connection, msg: SubscribeMessage): Promise<void> {
    const held = conn.subs.size + conn.subscribing.size;
    const renewing = conn.subs.has(msg.id) || conn.subscribing.has(msg.id);
    if (!renewing && held >= this.maxSubscriptions) {
      // A well-formed request over a limit: refused on its own, never counted as malformed.
      const message = `a connection may hold at most ${this.maxSubscriptions} subscriptions; unsubscribe one or open another connection`;
      sendText(conn.ws, errorFrame(ErrorCodes.TOO_MANY_SUBSCRIPTIONS, message, msg.id));
      return;
    }
    if (!conn.principal.canRead(msg.service)) {
      const message = `this token may not read service ${msg.service}`;
      sendText(conn.ws, errorFrame(ErrorCodes.FORBIDDEN, message, msg.id));
      return;
    }
    let record: DocumentRecord;
    conn.subscribing.add(msg.id);
    try {
      const label = msg.label ? checkLabel(msg.label) : undefined;
      record = await this.options.publisher.record(msg.service, parseProfiles(msg.profiles), label);
    } catch (error) {
      const e = error instanceof HotconfError && error.expose ? error : undefined;
      const code = e?.code ?? ErrorCodes.INTERNAL;
      sendText(conn.ws, errorFrame(code, e?.message ?? 'internal error', msg.id));
      return;
    } finally {
      conn.subscribing.delete(msg.id);
    }
    if (!this.connections.has(conn)) return;
    // Every owner of its sources (DESIGN §7), not only the service named.
    const owners = record.published?.owners;
    if (owners && !conn.principal.canReadDocument(owners)) {
      const denied = owners.find((o) => !conn.principal.canRead(o)) ?? '';
      const message = `this token may not read service ${denied}, whose files this document uses`;
      sendText(conn.ws, errorFrame(ErrorCodes.FORBIDDEN, message, msg.id));
      return;
    }
    const sub: Subscription = {
      id: msg.id,
      conn,
      record,
      sent: undefined,
      pending: undefined,
      patch: msg.patch === true,
    };
    this.table.add(sub);
    // The table may hand back the record now held for the key (see Publisher#pin).
    record = sub.record;
    const doc = (sub.sent = this.cohorts.documentFor(sub));
    if (!doc) {
      const problems = (record.rejection ?? record.lastRejection)?.problems
        .map((p) => p.message)
        .join('; ');
      const message = `no valid version to serve yet${problems ? `: ${problems}` : ''}`;
      sendText(conn.ws, errorFrame(ErrorCodes.DOCUMENT_INVALID, message, msg.id));
      return;
    }
    const reply = msg.etag === doc.etag ? subscribedFrame(msg.id, doc) : snapshotFrame(msg.id, doc);
    sendText(conn.ws, reply);
  }

  /**
   * Sends every subscriber of a document whose due document (canary or base) differs from
   * what it holds the right one: a rollout's cohort grew, halted, ended, or its canary was
   * recomputed. @returns how many were sent a change.
   */
  reassign(key: string): number {
    return this.cohorts.reassign(this.table.peersOf(key) ?? []);
  }

  private broadcast(event: ChangeEvent): void {
    const all = this.table.peersOf(event.record.key);
    if (!all || all.size === 0) return;
    // A rollout's cohort gets the canary: at most two frames per change, base and canary.
    const peers = this.cohorts.routeChange(event, all);
    if (peers.size === 0) return;
    // A commit may give the document a source another service owns (DESIGN §7): checked
    // only when its owners changed, so the fan-out's loop stays a plain write.
    if (event.previous && event.previous.owners.join() !== event.document.owners.join()) {
      for (const sub of [...peers]) {
        if (sub.conn.principal.canReadDocument(event.document.owners)) continue;
        this.table.remove(sub.conn, sub.id);
        const message = `this token may no longer read ${sub.record.service}: it now uses another service's files`;
        sendText(sub.conn.ws, errorFrame(ErrorCodes.FORBIDDEN, message, sub.id));
      }
    }
    const sent = fanOut(event, peers, this.backPressure);
    this.options.metrics?.pushed(sent, event.seenAt);
  }

  private beat(): void {
    const now = Date.now();
    for (const conn of this.connections) {
      if (now - conn.lastSeen > 2 * this.pingIntervalMs) {
        conn.ws.terminate();
        continue;
      }
      conn.ws.ping();
    }
  }
}
