import WebSocket from 'ws';
import { ErrorCodes, HotconfClientError } from './errors.js';
import type { DisconnectedEvent } from './events.js';
import { Acknowledger, InstanceIdentity, parseWelcome, type DeliveryOutcome } from './fleet.js';
import { backoffDelay, type RetryOptions } from './options.js';
import {
  CloseCodes,
  parseServerMessage,
  type ServerMessage,
  type SubscribeMessage,
} from './protocol.js';

/** Where and how to keep one WebSocket. Clients sharing a socket share the first one's settings. */
export interface WatchSettings {
  /** `ws(s)://host:port/v1/watch`. */
  url: string;
  token: string | undefined;
  retry: Required<RetryOptions>;
  heartbeatTimeoutMs: number;
  /** Handshake time limit in ms. */
  handshakeTimeoutMs: number;
  /** Fleet identity asked for (DESIGN §10); clients with different ids get different sockets. */
  instanceId: string | undefined;
  labels: Record<string, string>;
}

/** One document's end of a shared connection (the client implements it). */
export interface WatchTarget {
  /** Subscription id; targets of the same document share it. */
  readonly id: string;
  /** The subscribe message to send now, carrying the target's current etag. */
  subscribeMessage(): SubscribeMessage;
  /**
   * A message for this id, or an `error` without id (meant for everyone). Returns, for a
   * document it delivered (or confirmed holding), what its listeners made of it.
   */
  handleMessage(message: ServerMessage): DeliveryOutcome | undefined | void;
  /** The socket closed; a reconnect is scheduled. */
  handleDisconnect(event: DisconnectedEvent): void;
  /** The connection gave up for good (token refused or revoked). */
  handleFatal(error: HotconfClientError): void;
  /** The server sent something unreadable. */
  handleProtocolError(error: HotconfClientError): void;
}

/** A target's handle on its shared connection. */
export interface Watch {
  /** Sends the target's subscription again (it then gets a snapshot or `subscribed`). */
  resubscribe(): void;
  /** Leaves the connection; the last one to leave closes it. Resolves once closed. Idempotent. */
  release(): Promise<void>;
  /** The id the server knows this connection by (after its first `welcome`). */
  instanceId(): string | undefined;
}

/** Open connections of this process, by URL and token. */
const registry = new Map<string, WatchConnection>();

/**
 * Subscribes `target` over the process's connection to `settings.url` with
 * `settings.token`, opening it when there is none. Every `connect` to the same server with
 * the same token shares one socket.
 */
export function watch(settings: WatchSettings, target: WatchTarget): Watch {
  const key = `${settings.url}\n${settings.token ?? ''}\n${settings.instanceId ?? ''}`;
  let connection = registry.get(key);
  if (!connection) {
    const created = new WatchConnection(settings, () => {
      if (registry.get(key) === created) registry.delete(key);
    });
    registry.set(key, (connection = created));
  }
  const shared = connection;
  shared.add(target);
  let released: Promise<void> | undefined;
  return {
    resubscribe: () => {
      if (!released) shared.resubscribe(target);
    },
    release: () => (released ??= shared.remove(target)),
    instanceId: () => shared.identity.instanceId,
  };
}

/** Number of sockets currently shared in this process (for tests and diagnostics). */
export function openConnectionCount(): number {
  return registry.size;
}

type State = 'idle' | 'connecting' | 'open' | 'waiting' | 'stopped' | 'closed';

/**
 * One WebSocket with every subscription of this process on it, reconnecting with
 * exponential back-off and full jitter, and resuming every subscription by etag.
 */
class WatchConnection {
  private state: State = 'idle';
  private socket: WebSocket | undefined;
  private readonly targets = new Map<string, Set<WatchTarget>>();
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private rejectedStatus: number | undefined;
  private closed: Promise<void> | undefined;
  readonly identity: InstanceIdentity;
  private readonly acks = new Acknowledger();

  constructor(
    private readonly settings: WatchSettings,
    private readonly onClosed: () => void,
  ) {
    this.identity = new InstanceIdentity(settings.instanceId, settings.labels);
  }

  add(target: WatchTarget): void {
    let group = this.targets.get(target.id);
    const joining = group !== undefined;
    if (!group) this.targets.set(target.id, (group = new Set()));
    group.add(target);
    if (this.state === 'idle') this.open();
    else if (this.state === 'open') {
      // A second target of the same document may hold another etag: ask again with it.
      if (joining) this.send({ type: 'unsubscribe', id: target.id });
      this.send(target.subscribeMessage());
    }
  }

  resubscribe(target: WatchTarget): void {
    if (this.state !== 'open' || !this.targets.get(target.id)?.has(target)) return;
    this.send({ type: 'unsubscribe', id: target.id });
    this.send(target.subscribeMessage());
  }

  remove(target: WatchTarget): Promise<void> {
    const group = this.targets.get(target.id);
    if (group?.delete(target) && group.size === 0) {
      this.targets.delete(target.id);
      if (this.state === 'open') this.send({ type: 'unsubscribe', id: target.id });
    }
    if (this.targets.size > 0) return Promise.resolve();
    return (this.closed ??= this.shutdown());
  }

  private open(): void {
    this.state = 'connecting';
    this.rejectedStatus = undefined;
    const headers: Record<string, string> = {};
    if (this.settings.token) headers.authorization = `Bearer ${this.settings.token}`;
    const socket = new WebSocket(this.settings.url, {
      headers,
      handshakeTimeout: this.settings.handshakeTimeoutMs,
      perMessageDeflate: false,
    });
    this.socket = socket;
    socket.on('open', () => {
      this.state = 'open';
      this.armHeartbeat();
      this.send(this.identity.hello());
      for (const group of this.targets.values()) {
        const first = group.values().next().value;
        if (first) this.send(first.subscribeMessage());
      }
    });
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      this.armHeartbeat();
      // DESIGN §5: JSON text frames only; a binary frame is a server bug, reported, not read.
      if (isBinary) this.protocolError('sent a binary frame; the protocol uses JSON text frames');
      else this.receive(rawText(data));
    });
    socket.on('ping', () => this.armHeartbeat());
    socket.on('unexpected-response', (_req, res) => {
      this.rejectedStatus = res.statusCode;
      res.resume();
      socket.terminate();
    });
    // Every failure is followed by 'close', which decides what happens next.
    socket.on('error', () => undefined);
    socket.on('close', (code: number, reason: Buffer) => this.onClose(code, reason.toString()));
  }

  private receive(text: string): void {
    const welcome = parseWelcome(text);
    if (welcome) this.identity.welcome(welcome);
    else this.dispatch(parseServerMessage(text));
  }

  private dispatch(message: ServerMessage | undefined): void {
    if (!message) {
      this.protocolError('sent a message that is not part of the protocol');
      return;
    }
    if (message.type === 'snapshot' || message.type === 'subscribed') this.attempt = 0;
    const group = message.id === undefined ? this.allTargets() : this.targets.get(message.id);
    // Copy first: a handler may resubscribe or leave.
    const outcomes: DeliveryOutcome[] = [];
    for (const target of [...(group ?? [])]) {
      const outcome = target.handleMessage(message);
      if (outcome) outcomes.push(outcome);
    }
    if (outcomes.length > 0 && message.type !== 'error' && this.identity.welcomed) {
      const socket = this.socket;
      this.acks.report(message.id, message.etag, outcomes, (ack) => {
        if (this.socket === socket) this.send(ack);
      });
    }
  }

  private protocolError(what: string): void {
    const error = new HotconfClientError(
      ErrorCodes.PROTOCOL,
      `hotconf: ${this.settings.url} ${what}`,
    );
    for (const target of this.allTargets()) target.handleProtocolError(error);
  }

  private onClose(code: number, reason: string): void {
    this.socket = undefined;
    this.clearHeartbeat();
    if (this.state === 'closed') return;
    const status = this.rejectedStatus;
    if (code === CloseCodes.UNAUTHORIZED || status === 401 || status === 403) {
      this.state = 'stopped';
      // Leave the registry so a later connect (perhaps with a new token) starts afresh.
      this.onClosed();
      const error = new HotconfClientError(
        status === 403 ? ErrorCodes.FORBIDDEN : ErrorCodes.UNAUTHORIZED,
        code === CloseCodes.UNAUTHORIZED
          ? `hotconf: ${this.settings.url} revoked the token (close code 4401); live updates stopped`
          : `hotconf: ${this.settings.url} refused the token (HTTP ${status}); live updates stopped`,
        status === undefined ? {} : { status },
      );
      for (const target of this.allTargets()) target.handleFatal(error);
      return;
    }
    let delay: number;
    if (code === CloseCodes.SERVICE_RESTART) {
      // Restarting: come back soon, spread over restartDelayMs; back off from there.
      delay = Math.round(Math.random() * this.settings.retry.restartDelayMs);
      this.attempt = 1;
    } else {
      delay = backoffDelay(this.attempt++, this.settings.retry);
    }
    this.state = 'waiting';
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.state === 'waiting') this.open();
    }, delay).unref();
    const event: DisconnectedEvent = { code, reason, retryInMs: delay };
    for (const target of this.allTargets()) target.handleDisconnect(event);
  }

  private async shutdown(): Promise<void> {
    this.state = 'closed';
    this.onClosed();
    clearTimeout(this.reconnectTimer);
    this.clearHeartbeat();
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      if (socket.readyState === WebSocket.OPEN) {
        socket.close(1000, 'client closed');
        // Do not wait on a server that never answers the closing handshake.
        setTimeout(() => socket.terminate(), 1000).unref();
      } else {
        socket.terminate();
      }
    });
  }

  private send(message: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private armHeartbeat(): void {
    this.clearHeartbeat();
    this.heartbeatTimer = setTimeout(() => {
      // Silent for too long: the peer or the path is gone. 'close' then reconnects.
      this.socket?.terminate();
    }, this.settings.heartbeatTimeoutMs).unref();
  }

  private clearHeartbeat(): void {
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private *allTargets(): Iterable<WatchTarget> {
    for (const group of [...this.targets.values()]) yield* [...group];
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
