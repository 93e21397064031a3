import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import {
  BUS_PROTOCOL_VERSION,
  parseBusMessage,
  sendableHeads,
  sendableRefs,
  type BusMessage,
} from './bus-message.js';
import { hidePassword, type BusAddress } from './bus-url.js';
import { openConnections } from './redis-connections.js';
import { ReplicaTable } from './replica-table.js';

/** Whether this replica is connected to the bus. */
export type BusState = 'up' | 'down' | 'off';

export interface RedisBusOptions {
  address: BusAddress;
  replicaId: string;
  logger: Logger;
  onRemoteChange(refs: string[]): void;
  /** Milliseconds between heads announcements; replicas silent for 3× this are dropped. */
  headsIntervalMs: number;
  /** Label compared for `converged`. */
  convergeLabel: string;
  /** Longest wait between reconnection attempts, ms. */
  maxRetryDelayMs: number;
}

/**
 * The bus over Redis pub/sub: one connection publishes, one subscribes. Neither ever
 * blocks serving: connecting is lazy, a publish while Redis is away fails at once and is
 * dropped (git stays the source of truth; a replica that misses a message finds the change
 * on its next poll), and both connections retry forever.
 */
export class RedisBus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  /** Tells this process's own echo from a second process mistakenly given the same replica id. */
  private readonly instance = randomUUID();
  private readonly table: ReplicaTable;
  private readonly log: Logger;
  private pubReady = false;
  private subscribed = false;
  private current: 'up' | 'down' = 'down';
  private since = new Date();
  private wasUp = false;
  private warnedDown = false;
  private lastError: string | undefined;
  /** When the oldest message not yet heard back on the subscriber was sent. */
  private awaitingEcho: number | undefined;
  private lastRemoteChange: { replica: string; refs: string[]; at: string } | undefined;
  private readonly counts = { sent: 0, received: 0, ignored: 0, dropped: 0 };
  private heads: Record<string, string> = {};
  private readonly twins = new Set<string>();
  private lastIgnoredLog = 0;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: RedisBusOptions) {
    this.log = options.logger.child({ component: 'bus' });
    this.table = new ReplicaTable({
      selfId: options.replicaId,
      expireAfterMs: 3 * options.headsIntervalMs,
      convergeLabel: options.convergeLabel,
    });
    ({ pub: this.pub, sub: this.sub } = openConnections(
      options.address,
      options.replicaId,
      options.maxRetryDelayMs,
    ));
  }

  /** Starts connecting in the background and the periodic heads announcement. */
  start(): void {
    const { pub, sub } = this;
    const channel = this.options.address.channel;
    pub.on('ready', () => {
      this.pubReady = true;
      this.update();
    });
    sub.on('ready', () => {
      sub.subscribe(channel).then(
        () => {
          this.subscribed = true;
          this.awaitingEcho = undefined;
          this.update();
        },
        (error: Error) => this.failed(error),
      );
    });
    pub.on('close', () => {
      this.pubReady = false;
      this.update();
    });
    sub.on('close', () => {
      this.subscribed = false;
      this.update();
    });
    pub.on('error', (error: Error) => this.failed(error));
    sub.on('error', (error: Error) => this.failed(error));
    sub.on('message', (from: string, raw: string) => {
      if (from === channel) this.receive(raw);
    });
    pub.connect().catch(() => undefined);
    sub.connect().catch(() => undefined);
    this.timer = setInterval(() => this.tick(), this.options.headsIntervalMs);
    this.timer.unref();
  }

  state(): BusState {
    return this.current;
  }

  announceChange(refs: string[]): void {
    this.send({ type: 'change', refs: sendableRefs(refs) });
  }

  announceHeads(labels: ReadonlyMap<string, string>): void {
    this.heads = sendableHeads(labels);
    this.table.setSelf(this.heads);
    this.send({ type: 'heads', heads: this.heads });
  }

  status(): Record<string, unknown> {
    const { address } = this.options;
    return {
      bus: {
        url: address.redacted,
        channel: address.channel,
        state: this.current,
        since: this.since.toISOString(),
        lastError: this.lastError ?? null,
        ...this.counts,
        lastRemoteChange: this.lastRemoteChange ?? null,
      },
      replicas: this.table.list(),
      // With the bus down nobody can vouch for the other replicas, so the fleet is not known to agree.
      converged: this.current === 'up' && this.table.converged(),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.soon);
    this.pub.disconnect();
    this.sub.disconnect();
  }

  private send(
    body: { type: 'change'; refs: string[] } | { type: 'heads'; heads: Record<string, string> },
  ): void {
    if (this.closed) return;
    if (!this.pubReady) {
      this.counts.dropped++;
      this.log.debug(
        { type: body.type },
        'bus is down: message dropped; other replicas catch up by polling',
      );
      return;
    }
    const message = {
      v: BUS_PROTOCOL_VERSION,
      ...body,
      replica: this.options.replicaId,
      instance: this.instance,
      at: Date.now(),
    };
    this.awaitingEcho ??= Date.now();
    this.pub.publish(this.options.address.channel, JSON.stringify(message)).then(
      () => void this.counts.sent++,
      (error: Error) => {
        this.counts.dropped++;
        this.failed(error);
      },
    );
  }

  /** Re-announces the last heads; nothing before the first `announceHeads`. */
  private sendHeads(): void {
    if (Object.keys(this.heads).length > 0) this.send({ type: 'heads', heads: this.heads });
  }

  private receive(raw: string): void {
    const parsed = parseBusMessage(raw);
    if (!parsed.ok) {
      this.ignore(parsed.reason);
      return;
    }
    const message = parsed.message;
    if (message.instance === this.instance) {
      this.awaitingEcho = undefined;
      return;
    }
    this.counts.received++;
    if (message.replica === this.options.replicaId) this.warnTwin(message);
    if (message.type === 'change') {
      this.table.touch(message.replica);
      this.lastRemoteChange = {
        replica: message.replica,
        refs: message.refs,
        at: new Date().toISOString(),
      };
      this.log.debug(
        { from: message.replica, refs: message.refs },
        'another replica heard of a change: fetching',
      );
      this.remoteChange(message.refs);
    } else if (this.table.heard(message.replica, message.instance, message.heads)) {
      // A replica joined or restarted: tell it about us now rather than at the next tick.
      this.announceSoon();
    }
  }

  /** Logs ignored messages, at most once every 10 s so a noisy publisher cannot flood the log. */
  private ignore(reason: string): void {
    this.counts.ignored++;
    const now = Date.now();
    if (now - this.lastIgnoredLog < 10_000) return;
    this.lastIgnoredLog = now;
    this.log.warn({ reason, ignored: this.counts.ignored }, 'ignored a malformed bus message');
  }

  private warnTwin(message: BusMessage): void {
    if (this.twins.has(message.instance)) return;
    this.twins.add(message.instance);
    this.log.warn(
      { replicaId: message.replica },
      'another process uses this replica id; give each replica its own HOTCONF_REPLICA_ID',
    );
  }

  private announceSoon(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.sendHeads();
    }, 50);
    this.soon.unref();
  }

  private tick(): void {
    this.sendHeads();
    // A subscriber that stopped hearing even our own announcements is on a dead connection
    // (a half-open socket after a network partition): replace it.
    const deaf =
      this.awaitingEcho !== undefined &&
      Date.now() - this.awaitingEcho > 2 * this.options.headsIntervalMs;
    if (this.current === 'up' && deaf) {
      this.log.warn('the bus subscriber hears nothing, not even this replica; reconnecting');
      this.awaitingEcho = undefined;
      this.subscribed = false;
      this.update();
      this.sub.disconnect(true);
    }
  }

  private failed(error: Error): void {
    if (this.closed) return;
    this.lastError = hidePassword(this.options.address, error.message).slice(0, 300);
    if (this.current === 'down' && !this.wasUp && !this.warnedDown) {
      this.warnedDown = true;
      this.log.warn(
        { url: this.options.address.redacted, reason: this.lastError },
        'cannot reach the bus; serving and polling go on, retrying',
      );
    }
  }

  private update(): void {
    if (this.closed) return;
    const next = this.pubReady && this.subscribed ? 'up' : 'down';
    if (next === this.current) return;
    this.current = next;
    this.since = new Date();
    if (next === 'down') {
      this.log.warn(
        { url: this.options.address.redacted, reason: this.lastError },
        'the bus is down; serving and polling go on, reconnecting',
      );
      return;
    }
    this.log.info(
      { url: this.options.address.redacted, channel: this.options.address.channel },
      'the bus is up',
    );
    this.lastError = undefined;
    this.sendHeads();
    // Messages sent while we were away are lost: look for ourselves instead of waiting for the poll.
    if (this.wasUp) this.remoteChange([]);
    this.wasUp = true;
  }

  /** Hands on a fetch request; a throwing callback must not reach ioredis's parser. */
  private remoteChange(refs: string[]): void {
    try {
      this.options.onRemoteChange(refs);
    } catch (error) {
      this.log.error({ err: error }, 'handling a change from the bus failed');
    }
  }
}
