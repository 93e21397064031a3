import { INSTANCE_ID_IN_USE, type HelloMessage } from '@hotconf/client';
import NodeCache from 'node-cache';
import { newInstanceId } from './new-instance-id.js';
import { EtagVersions } from './etag-versions.js';
import type { Logger } from '../logger.js';
import { documentKey } from '../publish/document-record.js';
import type { ChangeEvent, DocumentRecord } from '../publish/publisher.js';
import { FleetMessageParser, isFleetFault } from './fleet-messages.js';
import type { FleetConnection, FleetObserver, FleetPeer } from './fleet-observer.js';
import { EXTERNAL_ONLINE_MS, InstanceRecord, type DocumentReport } from './instance-record.js';
import type { InstanceView } from './instance-view.js';

/** Hooks the registry calls as things happen: metrics and the replica store. */
export interface FleetSink {
  /** The instance changed (new, report, online or offline): share it. */
  changed(id: string): void;
  /** The instance left the registry for good (retention over). */
  removed(id: string): void;
  /** A report counted (`applied`, `failed`) or ignored, with why. */
  counted(kind: 'applied' | 'failed' | 'ignored', reason?: string): void;
}

/** What a {@link FleetRegistry} is given. */
export interface FleetRegistryOptions {
  /** Published documents: their `change` events say which etag had which version. */
  publisher: { on(event: 'change', listener: (event: ChangeEvent) => void): unknown };
  logger: Logger;
  replicaId: string;
  /** How long an offline instance stays listed (HOTCONF_FLEET_RETENTION), ms. */
  retentionMs: number;
  /** An unclean close followed by a reconnect within this many ms is not a flap. */
  flapGraceMs: number;
  sink: FleetSink;
}

/** What `recordExternal` takes: an instance heard through another channel (Spring Cloud Bus). */
export interface ExternalReport {
  instanceId: string;
  source: 'spring-bus';
  service: string;
  profiles?: string[];
  label: string;
  /** Commit id the instance refreshed to, when known. */
  appliedVersion?: string;
  appliedEtag?: string;
  host?: string;
  labels?: Record<string, string>;
  /** Why the refresh failed, when it did. */
  error?: string;
}

/**
 * The instance registry of this replica (DESIGN §10): who said `hello` on which
 * connection, what each applied or failed, who went offline and when. It is the hub's
 * {@link FleetObserver}; offline instances expire after the retention (node-cache TTL).
 */
export class FleetRegistry implements FleetObserver {
  private readonly instances = new Map<string, InstanceRecord>();
  /** Connections that never said hello: counted per document as anonymous. */
  private readonly anonymous = new Set<FleetConnection>();
  private readonly parser = new FleetMessageParser();
  private readonly etags = new EtagVersions();
  private readonly offline: NodeCache;

  constructor(private readonly options: FleetRegistryOptions) {
    const ttl = Math.max(1, Math.round(options.retentionMs / 1000));
    this.offline = new NodeCache({ stdTTL: ttl, checkperiod: Math.min(60, ttl), useClones: false });
    this.offline.on('expired', (id: string) => this.expire(id));
    options.publisher.on('change', (event) => {
      if (event.previous) this.etags.remember(event.record.key, event.previous);
      this.etags.remember(event.record.key, event.document);
    });
  }

  opened(connection: FleetConnection): FleetPeer {
    this.anonymous.add(connection);
    let instance: InstanceRecord | undefined;
    return {
      receive: (data) => {
        const message = this.parser.parse(data);
        if (message === undefined) return false;
        if (isFleetFault(message)) {
          connection.fault(message.fault.code, message.fault.message, message.fault.id);
        } else if (message.type === 'hello') {
          if (instance)
            connection.fault('HC_INVALID_HELLO', 'hello may be sent once per connection');
          else instance = this.hello(connection, message);
        } else if (!instance) {
          this.options.sink.counted('ignored', 'anonymous');
        } else {
          const error = message.type === 'failed' ? message.error : null;
          this.report(instance, connection, message.id, message.etag, error);
        }
        return true;
      },
      closed: (code) => {
        this.anonymous.delete(connection);
        if (instance?.connection === connection) this.closed(instance, code);
      },
      instanceId: () => instance?.id,
    };
  }

  /** Every instance of this replica, online and offline, as views. */
  views(): InstanceView[] {
    return [...this.instances.values()].map((r) => r.view());
  }

  /** Calls `visit` for each document of each instance here: what per-document counts need. */
  eachDocument(visit: (online: boolean, doc: DocumentReport) => void): void {
    for (const r of this.instances.values()) {
      const online = r.isOnline();
      r.eachDocument((doc) => visit(online, doc));
    }
  }

  /** Whether this replica holds instance `id`, online or since when it is offline. */
  presence(id: string): { online: boolean; lastSeen: number } | undefined {
    const r = this.instances.get(id);
    return r && { online: r.isOnline(), lastSeen: r.lastSeen };
  }

  /** One instance of this replica. */
  view(id: string): InstanceView | undefined {
    return this.instances.get(id)?.view();
  }

  /**
   * The documents instance `id` watches (or last watched), without building its view:
   * asked once per ack, where a view's dates and copies would cost more than the ack.
   */
  documentsOf(id: string): DocumentReport[] | undefined {
    return this.instances.get(id)?.documents();
  }

  /** Ids of this replica's online instances (the replica store refreshes their liveness). */
  onlineIds(): string[] {
    return [...this.instances.values()].filter((r) => r.online).map((r) => r.id);
  }

  /** Documents of anonymous connections, one entry per subscription. */
  anonymousDocuments(): DocumentRecord[] {
    return [...this.anonymous].flatMap((c) => c.documents());
  }

  /** Ids this replica knows, for tests and metrics. */
  get size(): number {
    return this.instances.size;
  }

  /**
   * Records an instance heard through another channel — the Spring Cloud Bus listener calls
   * this for each `AckRemoteApplicationEvent`. Having no socket, it counts as online for 10
   * minutes after it was last heard of, then offline until the retention ends.
   */
  recordExternal(report: ExternalReport): void {
    const now = Date.now();
    let record = this.instances.get(report.instanceId);
    if (!record) {
      record = new InstanceRecord(report.instanceId, report.source, this.options.replicaId, now);
      this.instances.set(record.id, record);
      record.event('online', { detail: report.source });
    }
    // Listed for the retention after it was last heard of (it has no socket to lose).
    this.offline.set(
      record.id,
      true,
      Math.round((this.options.retentionMs + EXTERNAL_ONLINE_MS) / 1000),
    );
    record.online = true;
    record.lastSeen = now;
    if (report.host !== undefined) record.host = report.host;
    if (report.labels) record.labels = report.labels;
    record.invalidate();
    const profiles = report.profiles ?? ['default'];
    const key = documentKey(report.service, profiles, report.label);
    const doc = { key, service: report.service, profiles, label: report.label };
    const fresh = record.report(
      doc,
      report.appliedEtag ?? null,
      report.appliedVersion ?? null,
      report.error ?? null,
      now,
    );
    // The same ack heard again (every replica hears every ack) counts once.
    if (fresh) this.options.sink.counted(report.error === undefined ? 'applied' : 'failed');
    this.options.sink.changed(record.id);
  }

  /** Stops the retention clock. */
  close(): void {
    for (const r of this.instances.values()) clearTimeout(r.flapTimer);
    this.offline.close();
  }

  private hello(connection: FleetConnection, hello: HelloMessage): InstanceRecord {
    this.anonymous.delete(connection);
    const now = Date.now();
    let id = hello.instanceId;
    let record = id === undefined ? undefined : this.instances.get(id);
    if (id !== undefined && record?.connection !== undefined && record.flapTimer === undefined) {
      // Another live connection holds this id: never merge two instances into one record.
      connection.fault(
        INSTANCE_ID_IN_USE,
        `instance id ${id} is in use by another live connection; this one is known as a new id`,
      );
      record.event('id-in-use', { detail: 'a second connection claimed this id' });
      id = undefined;
      record = undefined;
    }
    if (record) {
      const flapped = record.flapTimer !== undefined;
      clearTimeout(record.flapTimer);
      record.flapTimer = undefined;
      this.offline.del(record.id);
      if (flapped) record.event('reconnected');
      else {
        record.event('online');
        record.connectedSince = now;
      }
    } else {
      id ??= newInstanceId(this.instances);
      record = new InstanceRecord(id, 'sdk', this.options.replicaId, now);
      this.instances.set(id, record);
      record.event('online');
    }
    record.connection = connection;
    record.online = true;
    record.lastSeen = now;
    record.labels = hello.labels;
    record.host = hello.host ?? null;
    record.pid = hello.pid ?? null;
    record.sdk = hello.sdk;
    record.invalidate();
    connection.send(`{"type":"welcome","instanceId":${JSON.stringify(record.id)}}`);
    this.options.sink.changed(record.id);
    return record;
  }

  private report(
    record: InstanceRecord,
    connection: FleetConnection,
    id: string,
    etag: string,
    error: string | null,
  ): void {
    const sink = this.options.sink;
    if (record.connection !== connection) return sink.counted('ignored', 'stale-connection');
    const doc = connection.document(id);
    const version = doc && this.etags.versionOf(doc, etag);
    if (!doc || version === undefined) {
      record.ignoredReports++;
      record.invalidate();
      return sink.counted('ignored', doc ? 'unknown-etag' : 'unknown-subscription');
    }
    if (!record.report(doc, etag, version, error, Date.now())) {
      return sink.counted('ignored', 'repeated');
    }
    sink.counted(error === null ? 'applied' : 'failed');
    if (error !== null) {
      this.options.logger.warn(
        { instance: record.id, document: doc.key, etag, version, error },
        'an instance failed to apply a document',
      );
    }
    sink.changed(record.id);
  }

  private closed(record: InstanceRecord, code: number): void {
    record.keepDocuments(record.connection?.documents() ?? []);
    record.connection = undefined;
    record.lastSeen = Date.now();
    record.invalidate();
    // 1000: the client closed on purpose. Anything else may be a blip it comes back from.
    if (code === 1000) this.goOffline(record, 'closed');
    else {
      record.flapTimer = setTimeout(() => {
        record.flapTimer = undefined;
        this.goOffline(record, `connection lost (${code})`);
      }, this.options.flapGraceMs);
      record.flapTimer.unref();
    }
  }

  private goOffline(record: InstanceRecord, why: string): void {
    record.online = false;
    record.event('offline', { detail: why });
    this.offline.set(record.id, true);
    this.options.sink.changed(record.id);
  }

  private expire(id: string): void {
    const record = this.instances.get(id);
    if (!record || (record.source === 'sdk' && record.online)) return;
    this.instances.delete(id);
    this.options.sink.removed(id);
  }
}
