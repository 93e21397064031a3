import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { waitFor } from '../bus/redis-helpers.js';

const run = promisify(execFile);

/** The broker the Spring bus tests use: the machine's RabbitMQ (`.ci/rabbitmq.sh` starts one). */
export const RABBIT_HOST = process.env.RABBIT_HOST ?? '127.0.0.1:5672';

export { waitFor };

/**
 * `rabbitmqctl` on the machine's node, as root (through `sudo -n` for another user).
 * @throws Error saying what the tests need when it cannot run.
 */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const root = process.getuid?.() === 0;
  const [command, ...rest] = root
    ? ['rabbitmqctl', '-q', ...args]
    : ['sudo', '-n', 'rabbitmqctl', '-q', ...args];
  try {
    const { stdout } = await run(command!, rest, { timeout: 30_000 });
    return stdout;
  } catch (error) {
    throw new Error(
      `the Spring bus tests manage a vhost of their own with rabbitmqctl, and "rabbitmqctl ${args[0]}" failed ` +
        `(${(error as Error).message.split('\n')[0]}). Run .ci/rabbitmq.sh, as root or with sudo.`,
    );
  }
}

/**
 * A vhost of this test run's own on the shared broker, and a user of its own whose
 * password is a secret the tests look for in logs and status. The shared node is never
 * stopped: an outage is this vhost deleted, or this user's permissions taken away.
 */
export class TestVhost {
  private constructor(
    readonly name: string,
    readonly user: string,
    readonly password: string,
  ) {}

  static async create(): Promise<TestVhost> {
    const id = randomBytes(6).toString('hex');
    const vhost = new TestVhost(`hotconf-test-${id}`, `hotconf-test-${id}`, `pw-${randomUUID()}`);
    await rabbitmqctl('add_user', vhost.user, vhost.password);
    await vhost.up();
    return vhost;
  }

  /** The URL hotconf is given: this run's user and password, this vhost. */
  get url(): string {
    return `amqp://${this.user}:${encodeURIComponent(this.password)}@${RABBIT_HOST}/${this.name}`;
  }

  /** The URL a Spring service in the tests uses (guest, as `spring.rabbitmq.*` defaults). */
  get guestUrl(): string {
    return `amqp://guest:guest@${RABBIT_HOST}/${this.name}`;
  }

  /** Creates the vhost and lets guest in; hotconf's user only with `withServer`. */
  async up(withServer = true): Promise<void> {
    await rabbitmqctl('add_vhost', this.name);
    await rabbitmqctl('set_permissions', '-p', this.name, 'guest', '.*', '.*', '.*');
    if (withServer) await this.allowServer();
  }

  async allowServer(): Promise<void> {
    await rabbitmqctl('set_permissions', '-p', this.name, this.user, '.*', '.*', '.*');
  }

  /** Deletes the vhost: every connection to it is closed, its exchange and queues gone. */
  async down(): Promise<void> {
    await rabbitmqctl('delete_vhost', this.name).catch(() => undefined);
  }

  async remove(): Promise<void> {
    await this.down();
    await rabbitmqctl('delete_user', this.user).catch(() => undefined);
  }
}

/** One message as a Spring instance's binder receives it. */
export interface Received {
  json: Record<string, unknown>;
  message: ConsumeMessage;
  /** performance.timeOrigin + performance.now() at receipt. */
  at: number;
}

/**
 * A Spring Cloud Bus instance as the Spring Cloud Stream Rabbit binder declares it: the
 * durable topic exchange `springCloudBus`, an anonymous exclusive auto-delete queue
 * `springCloudBus.anonymous.<base64url>` bound with `#`. It records what it receives and
 * can send acks as `BusConsumer` does.
 */
export class SpringInstance {
  readonly received: Received[] = [];

  private constructor(
    private readonly model: ChannelModel,
    private readonly channel: Channel,
    readonly busId: string,
    /** Its anonymous queue. */
    readonly queue: string,
  ) {}

  static async start(url: string, busId: string): Promise<SpringInstance> {
    const model = await connect(url);
    model.on('error', () => undefined);
    const channel = await model.createChannel();
    await channel.assertExchange('springCloudBus', 'topic', { durable: true, autoDelete: false });
    const uuid = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    const queue = `springCloudBus.anonymous.${uuid}`;
    await channel.assertQueue(queue, { durable: false, exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, 'springCloudBus', '#');
    const instance = new SpringInstance(model, channel, busId, queue);
    await channel.consume(
      queue,
      (message) => {
        if (!message) return;
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(message.content.toString()) as Record<string, unknown>;
        } catch {
          // The tests' own malformed messages come back here too.
        }
        instance.received.push({
          json,
          message,
          at: performance.timeOrigin + performance.now(),
        });
      },
      { noAck: true },
    );
    return instance;
  }

  /** Refresh events from hotconf (any `hotconf:` origin). */
  refreshes(): Received[] {
    return this.received.filter(
      (r) =>
        r.json.type === 'RefreshRemoteApplicationEvent' &&
        String(r.json.originService).startsWith('hotconf:'),
    );
  }

  /** Waits until `count` refreshes from hotconf have arrived. */
  async waitForRefreshes(count: number, timeoutMs = 10_000): Promise<Received[]> {
    await waitFor(
      `${count} refresh event(s)`,
      () => this.refreshes().length >= count,
      timeoutMs,
      5,
    );
    return this.refreshes();
  }

  /** Publishes raw bytes on the exchange, as any producer could. */
  publishRaw(body: Buffer, headers: Record<string, string> = { contentType: 'application/json' }) {
    this.channel.publish('springCloudBus', 'springCloudBus', body, {
      contentType: headers.contentType,
      headers,
    });
  }

  /** Acknowledges a refresh as Spring Cloud Bus's `BusConsumer` does (ack destination `**`). */
  ack(event: Record<string, unknown>): void {
    const ack = {
      type: 'AckRemoteApplicationEvent',
      timestamp: Date.now(),
      originService: this.busId,
      destinationService: '**',
      id: randomUUID(),
      ackId: event.id,
      ackDestinationService: event.destinationService,
      event: 'org.springframework.cloud.bus.event.RefreshRemoteApplicationEvent',
    };
    this.publishRaw(Buffer.from(JSON.stringify(ack)));
  }

  async close(): Promise<void> {
    await this.model.close().catch(() => undefined);
  }
}

/** The parts of `/v1/status` → `springBus` the tests read. */
export interface SpringBusStatusBody {
  configured: boolean;
  connected: boolean;
  url?: string;
  lastError?: string;
  pending: number;
  announced: number;
  acks: number;
  ignored: Record<string, number>;
  instances: { id: string; destination: string; version: string | null; ackedAt: string }[];
}

/** GET /v1/status → springBus. */
export async function springStatus(
  serverUrl: string,
  token?: string,
): Promise<SpringBusStatusBody> {
  const res = await fetch(`${serverUrl}/v1/status`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  const body = (await res.json()) as { springBus: SpringBusStatusBody };
  return body.springBus;
}
