import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import { SPRING_BUS, type RefreshEvent } from './spring-bus-event.js';
import { hideSpringBusPassword, type SpringBusAddress } from './spring-bus-url.js';

/** What the link needs; every hook is called from the link's own callbacks and must not throw. */
export interface SpringBusLinkOptions {
  address: SpringBusAddress;
  logger: Logger;
  /** Each message body delivered from the `springCloudBus` exchange. */
  onMessage(body: Buffer): void;
  /** The link is (again) connected and declared: send what waited. */
  onUp(): void;
  /** First reconnect delay; doubles up to `maxDelayMs`, with jitter. Default 200 ms. */
  minDelayMs?: number;
  /** Default 5000 ms. */
  maxDelayMs?: number;
  /** How long one connection attempt (TCP + AMQP handshake) may take. Default 5000 ms. */
  connectTimeoutMs?: number;
}

/** How long the broker may take to confirm one event. */
const CONFIRM_TIMEOUT_MS = 10_000;

/** Lifecycle of the link. */
type LinkState = 'idle' | 'connecting' | 'up' | 'waiting' | 'closed';

/** A Spring binder's anonymous queue name: the destination, `.anonymous.`, a base64url UUID. */
export function anonymousQueueName(): string {
  const bytes = Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
  return SPRING_BUS.anonymousPrefix + bytes.toString('base64url');
}

/**
 * One AMQP connection to the broker, declared as a Spring Cloud Stream Rabbit binder
 * declares Spring Cloud Bus: the durable topic exchange `springCloudBus`, and an anonymous
 * exclusive auto-delete queue bound with `#` to read what is said on it. It reconnects
 * for ever with back-off; nothing here ever throws into the caller or delays it.
 */
export class SpringBusLink {
  private state: LinkState = 'idle';
  private model: ChannelModel | undefined;
  private channel: ConfirmChannel | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  /** The last failure, password hidden. */
  lastError: string | undefined;
  /** When the link last came up or went down (ms since the epoch). */
  since: number | undefined;

  constructor(private readonly options: SpringBusLinkOptions) {
    this.minDelayMs = options.minDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    if (!(this.minDelayMs > 0) || !(this.maxDelayMs >= this.minDelayMs)) {
      throw new TypeError('SpringBusLink needs 0 < minDelayMs <= maxDelayMs');
    }
  }

  /** True while connected with the exchange and queue declared. */
  get connected(): boolean {
    return this.state === 'up';
  }

  /** Starts connecting in the background. */
  start(): void {
    if (this.state !== 'idle') return;
    void this.connect();
  }

  /**
   * Publishes one event and resolves once the broker confirmed it.
   * @throws Error when not connected, or the broker did not take it (the caller keeps it).
   */
  async publish(event: RefreshEvent): Promise<void> {
    const channel = this.channel;
    if (this.state !== 'up' || !channel) throw new Error('not connected to the Spring bus');
    const body = Buffer.from(JSON.stringify(event));
    const model = this.model;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        // A broker that blocks publishers (a resource alarm) never confirms: start over.
        timer = setTimeout(() => {
          reject(new Error('the broker did not confirm the event'));
          void model?.close().catch(() => undefined);
        }, CONFIRM_TIMEOUT_MS);
        channel.publish(
          SPRING_BUS.exchange,
          SPRING_BUS.routingKey,
          body,
          {
            // Both places a Spring consumer looks: the binder maps the `contentType` header
            // to the message's content type; the AMQP property is what other tools show.
            contentType: SPRING_BUS.contentType,
            headers: { contentType: SPRING_BUS.contentType },
            // The binder's default delivery mode.
            persistent: true,
            messageId: event.id,
            timestamp: Math.floor(event.timestamp / 1000),
          },
          (error: unknown) =>
            error ? reject(new Error('the broker refused the event')) : resolve(),
        );
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Disconnects; safe to call twice. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.timer);
    const model = this.model;
    this.model = undefined;
    this.channel = undefined;
    await model?.close().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'connecting';
    const { address } = this.options;
    let model: ChannelModel | undefined;
    try {
      model = await connect(address.url, {
        timeout: this.options.connectTimeoutMs ?? 5000,
        clientProperties: { connection_name: 'hotconf-spring-bus' },
      });
      if (this.state !== 'connecting') {
        await model.close().catch(() => undefined);
        return;
      }
      // A dead connection ends in `close` (after `error` when it was a failure): reconnect once.
      model.on('error', (error: Error) => this.failed(error));
      model.on('close', () => this.dropped(model));
      const channel = await model.createConfirmChannel();
      channel.on('error', (error: Error) => this.failed(error));
      // A channel closed by the broker (a declaration refused) leaves the connection open.
      channel.on('close', () => {
        if (this.model === model) void model?.close().catch(() => undefined);
      });
      await channel.assertExchange(SPRING_BUS.exchange, 'topic', {
        durable: true,
        autoDelete: false,
      });
      const queue = anonymousQueueName();
      await channel.assertQueue(queue, { durable: false, exclusive: true, autoDelete: true });
      await channel.bindQueue(queue, SPRING_BUS.exchange, SPRING_BUS.bindingKey);
      await channel.consume(
        queue,
        (message) => {
          if (message) this.options.onMessage(message.content);
          // The broker cancelled the consumer (its queue was deleted): start over.
          else void model?.close().catch(() => undefined);
        },
        {
          noAck: true,
          exclusive: true,
        },
      );
      if (this.state !== 'connecting') {
        await model.close().catch(() => undefined);
        return;
      }
      this.model = model;
      this.channel = channel;
      this.state = 'up';
      this.attempt = 0;
      this.since = Date.now();
      this.options.logger.info({ url: address.redacted }, 'connected to the Spring bus');
      this.options.onUp();
    } catch (error) {
      this.failed(error as Error);
      await model?.close().catch(() => undefined);
      if (this.state === 'connecting') this.retry();
    }
  }

  private failed(error: Error): void {
    if (this.state === 'closed') return;
    const message = hideSpringBusPassword(this.options.address, String(error?.message ?? error));
    if (message !== this.lastError) {
      this.options.logger.warn(
        { url: this.options.address.redacted, error: message.slice(0, 300) },
        'Spring bus unavailable: announcements wait until it is back',
      );
    }
    this.lastError = message.slice(0, 300);
  }

  /** The connection closed (broker gone, vhost deleted, network): start over. */
  private dropped(model: ChannelModel | undefined): void {
    if (this.model !== model || this.state === 'closed') return;
    this.model = undefined;
    this.channel = undefined;
    this.state = 'waiting';
    this.since = Date.now();
    this.lastError ??= 'connection closed';
    this.retry();
  }

  private retry(): void {
    if (this.state === 'closed') return;
    this.state = 'waiting';
    const base = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** Math.min(this.attempt, 10));
    this.attempt += 1;
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), delay);
    this.timer.unref();
  }
}
