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
import { BusHealth } from './bus-health.js';
import type { BusAddress } from './bus-url.js';
import { LogLimiter } from './log-limiter.js';
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
  /** Other replicas listed at most (forged ids cannot grow the table past it). Default 256. */
  maxReplicas?: number;
}

/** At most one warning of each kind per this many ms, however many messages call for one. */
const LOG_INTERVAL_MS = 10_000;

/**
 * The bus over Redis pub/sub: one connection publishes, one subscribes. Neither ever
 * blocks serving: connecting is lazy, a publish while Redis is away fails at once and is
 * dropped (git stays the source of truth; a replica that misses a message finds the change
 * on its next poll), and both connections retry forever. Whatever arrives on the channel
 * is checked, and no flood of it — malformed, forged, or a twin — grows memory or the log.
 */
export class RedisBus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  /** Tells this process's own echo from a second process mistakenly given the same replica id. */
  private readonly instance = randomUUID();
  private readonly table: ReplicaTable;
  private readonly health: BusHealth;
  private readonly log: Logger;
  private lastRemoteChange: { replica: string; refs: string[]; at: string } | undefined;
  private readonly counts = { sent: 0, received: 0, ignored: 0, dropped: 0 };
  private heads: Record<string, string> = {};
  private readonly limits = {
    ignored: new LogLimiter(LOG_INTERVAL_MS),
    twin: new LogLimiter(LOG_INTERVAL_MS),
    refused: new LogLimiter(LOG_INTERVAL_MS),
  };
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: RedisBusOptions) {
    this.log = options.logger.child({ component: 'bus' });
    this.table = new ReplicaTable({
      selfId: options.replicaId,
      expireAfterMs: 3 * options.headsIntervalMs,
      convergeLabel: options.convergeLabel,
      maxReplicas: options.maxReplicas,
    });
    this.health = new BusHealth({
      address: options.address,
      log: this.log,
      headsIntervalMs: options.headsIntervalMs,
      onUp: (reconnected) => {
        this.sendHeads();
        // Messages sent while we were away are lost: look for ourselves instead of waiting for the poll.
        if (reconnected) this.remoteChange([]);
      },
    });
    ({ pub: this.pub, sub: this.sub } = openConnections(
      options.address,
      options.replicaId,
      options.maxRetryDelayMs,
    ));
  }

  /** Starts connecting in the background and the periodic heads announcement. */
  start(): void {
    const { pub, sub, health } = this;
    const channel = this.options.address.channel;
    pub.on('ready', () => health.publisherReady(true));
    sub.on('ready', () => {
      sub.subscribe(channel).then(
        () => health.subscriberReady(true),
        (error: Error) => health.failed(error),
      );
    });
    pub.on('close', () => health.publisherReady(false));
    sub.on('close', () => health.subscriberReady(false));
    pub.on('error', (error: Error) => health.failed(error));
    sub.on('error', (error: Error) => health.failed(error));
    sub.on('message', (from: string, raw: string) => {
      if (from === channel) this.receive(raw);
    });
    pub.connect().catch(() => undefined);
    sub.connect().catch(() => undefined);
    this.timer = setInterval(() => this.tick(), this.options.headsIntervalMs);
    this.timer.unref();
  }

  state(): BusState {
    return this.health.state();
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
    const health = this.health.status();
    return {
      bus: {
        url: address.redacted,
        channel: address.channel,
        ...health,
        ...this.counts,
        refused: this.table.refused,
        lastRemoteChange: this.lastRemoteChange ?? null,
      },
      replicas: this.table.list(),
      // With the bus down nobody can vouch for the other replicas, so the fleet is not known to agree.
      converged: health.state === 'up' && this.table.converged(),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.health.stop();
    clearInterval(this.timer);
    clearTimeout(this.soon);
    this.pub.disconnect();
    this.sub.disconnect();
  }

  private send(
    body: { type: 'change'; refs: string[] } | { type: 'heads'; heads: Record<string, string> },
  ): void {
    if (this.closed) return;
    if (!this.health.canPublish()) {
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
    this.health.sent();
    this.pub.publish(this.options.address.channel, JSON.stringify(message)).then(
      () => void this.counts.sent++,
      (error: Error) => {
        this.counts.dropped++;
        this.health.failed(error);
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
      this.counts.ignored++;
      this.warn('ignored', { reason: parsed.reason }, 'ignored a malformed bus message');
      return;
    }
    const message = parsed.message;
    if (message.instance === this.instance) {
      this.health.echoed();
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
      return;
    }
    // A twin's heads would list this replica twice, with another process's view.
    if (message.replica === this.options.replicaId) return;
    const heard = this.table.heard(message.replica, message.instance, message.heads);
    // A replica joined or restarted: tell it about us now rather than at the next tick.
    if (heard === 'new') this.announceSoon();
    else if (heard === 'refused') {
      this.warn(
        'refused',
        { replicaId: message.replica, refused: this.table.refused },
        'the replica table is full: a new replica id on the bus is not listed (forged messages?)',
      );
    }
  }

  /** A process announcing this replica's own id: a misconfiguration, or a forgery. */
  private warnTwin(message: BusMessage): void {
    this.warn(
      'twin',
      { replicaId: message.replica },
      'another process uses this replica id; give each replica its own HOTCONF_REPLICA_ID',
    );
  }

  /** Logs a warning of `kind` at most once per interval, saying how many were held back. */
  private warn(
    kind: keyof RedisBus['limits'],
    fields: Record<string, unknown>,
    message: string,
  ): void {
    const suppressed = this.limits[kind].take();
    if (suppressed === undefined) return;
    this.log.warn({ ...fields, ignored: this.counts.ignored, suppressed }, message);
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
    // A subscriber on a dead connection (a half-open socket after a partition): replace it.
    if (this.health.deaf()) this.sub.disconnect(true);
  }

  /** Hands on a fetch request; a throwing callback must not reach ioredis's parser. */
  private remoteChange(refs: string[]): void {
    try {
      this.options.onRemoteChange(refs);
    } catch (error) {
      this.log.error(
        { err: error, channel: this.options.address.channel },
        'handling a change from the bus failed',
      );
    }
  }
}
