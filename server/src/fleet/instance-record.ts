import type { DocumentRecord } from '../publish/publisher.js';
import type { FleetConnection } from './fleet-observer.js';
import {
  documentName,
  type InstanceDocument,
  type InstanceEvent,
  type InstanceView,
} from './instance-view.js';

/** Recent events kept per instance: enough to see a flap or a failure, bounded in memory. */
const MAX_EVENTS = 16;

/** What an instance last reported for one document. */
interface Report {
  service: string;
  profiles: readonly string[];
  label: string;
  etag: string | null;
  version: string | null;
  at: number;
  error: string | null;
}

/** The server's own record of one instance connected to this replica (or heard of). */
export class InstanceRecord {
  labels: Record<string, string> = {};
  host: string | null = null;
  pid: number | null = null;
  sdk: string | null = null;
  connectedSince: number;
  lastSeen: number;
  /** The live connection; undefined while offline (or in a flap's grace). */
  connection: FleetConnection | undefined;
  /** Pending "went offline" after an unclean close: a quick reconnect cancels it. */
  flapTimer: NodeJS.Timeout | undefined;
  online = true;
  ignoredReports = 0;
  lastError: InstanceView['lastError'] = null;
  private readonly reports = new Map<string, Report>();
  private readonly events: InstanceEvent[] = [];

  constructor(
    readonly id: string,
    readonly source: InstanceView['source'],
    readonly replica: string,
    now: number,
  ) {
    this.connectedSince = now;
    this.lastSeen = now;
  }

  /** Adds an event, dropping the oldest past the ring's size. */
  event(type: InstanceEvent['type'], extra: Omit<InstanceEvent, 'at' | 'type'> = {}): void {
    this.events.push({ at: new Date().toISOString(), type, ...extra });
    if (this.events.length > MAX_EVENTS) this.events.shift();
  }

  /** Remembers the documents the connection watches, so they stay listed once it is gone. */
  keepDocuments(records: DocumentRecord[]): void {
    for (const r of records) {
      if (!this.reports.has(r.key)) this.reports.set(r.key, blankReport(r));
    }
  }

  /**
   * Records a report. Returns false when it changes nothing (the same etag and outcome
   * again), so floods of repeats neither grow the event ring nor move counters.
   */
  report(
    doc: { key: string; service: string; profiles: readonly string[]; label: string },
    etag: string | null,
    version: string | null,
    error: string | null,
    now: number,
  ): boolean {
    const before = this.reports.get(doc.key);
    if (before && before.etag === etag && before.error === error && before.version === version) {
      return false;
    }
    const { service, profiles, label } = doc;
    this.reports.set(doc.key, { service, profiles, label, etag, version, at: now, error });
    const name = documentName(doc);
    const at = new Date(now).toISOString();
    if (error === null) this.event('applied', { document: name, etag: etag ?? version ?? '' });
    else {
      this.event('failed', { document: name, etag: etag ?? '', detail: error });
      this.lastError = { document: name, etag: etag ?? '', error, at };
    }
    return true;
  }

  /** The shape every reader gets; documents are the connection's subscriptions while online. */
  view(): InstanceView {
    let docs = [...this.reports.values()];
    const live = this.connection?.documents();
    if (live) {
      docs = live.map((r) => this.reports.get(r.key) ?? blankReport(r));
    }
    return {
      id: this.id,
      source: this.source,
      labels: this.labels,
      host: this.host,
      pid: this.pid,
      sdk: this.sdk,
      replica: this.replica,
      connectedSince: new Date(this.connectedSince).toISOString(),
      lastSeen: new Date(this.online ? Date.now() : this.lastSeen).toISOString(),
      online: this.online,
      documents: docs.map(toDocument),
      lastError: this.lastError,
      ignoredReports: this.ignoredReports,
      events: [...this.events],
    };
  }
}

function blankReport(r: DocumentRecord): Report {
  return {
    service: r.service,
    profiles: r.profiles,
    label: r.label,
    etag: null,
    version: null,
    at: 0,
    error: null,
  };
}

function toDocument(r: Report): InstanceDocument {
  return {
    service: r.service,
    profiles: [...r.profiles],
    label: r.label,
    etag: r.etag,
    version: r.version,
    reportedAt: r.at === 0 ? null : new Date(r.at).toISOString(),
    error: r.error,
  };
}
