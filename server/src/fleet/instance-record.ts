import type { DocumentRecord } from '../publish/publisher.js';
import type { FleetConnection } from './fleet-observer.js';
import {
  documentName,
  type InstanceDocument,
  type InstanceEvent,
  type InstanceView,
} from './instance-view.js';

/** An instance heard through another channel (no socket) counts as online this long. */
export const EXTERNAL_ONLINE_MS = 10 * 60_000;

/** Recent events kept per instance: enough to see a flap or a failure, bounded in memory. */
const MAX_EVENTS = 16;

/** What an instance last reported for one document. */
export interface DocumentReport {
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
  private readonly reports = new Map<string, DocumentReport>();
  private readonly events: InstanceEvent[] = [];
  /** The last view built, and the live documents it was built from; dropped on any change. */
  private cached: { view: InstanceView; live: DocumentRecord[] | undefined } | undefined;

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
    this.events.push({ at: Date.now(), type, ...extra });
    if (this.events.length > MAX_EVENTS) this.events.shift();
    this.invalidate();
  }

  /** Something shown in the view changed (the registry sets fields directly, then calls this). */
  invalidate(): void {
    this.cached = undefined;
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
    if (error === null) this.event('applied', { document: name, etag: etag ?? version ?? '' });
    else {
      this.event('failed', { document: name, etag: etag ?? '', detail: error });
      this.lastError = { document: name, etag: etag ?? '', error, at: new Date(now).toISOString() };
    }
    return true;
  }

  /** Online now (an instance without a socket: heard of within 10 minutes). */
  isOnline(): boolean {
    return this.source === 'sdk' ? this.online : Date.now() - this.lastSeen < EXTERNAL_ONLINE_MS;
  }

  /**
   * Calls `visit` with what the last report said of each document the instance watches
   * (its subscriptions while online), formatting and copying nothing: for counts.
   */
  eachDocument(visit: (doc: DocumentReport) => void): void {
    const live = this.connection?.documents();
    if (!live) {
      for (const report of this.reports.values()) visit(report);
      return;
    }
    for (const r of live) visit(this.reports.get(r.key) ?? blankReport(r));
  }

  /** What {@link eachDocument} visits, as a list. */
  documents(): DocumentReport[] {
    const docs: DocumentReport[] = [];
    this.eachDocument((doc) => docs.push(doc));
    return docs;
  }

  /** The shape every reader gets; documents are the connection's subscriptions while online. */
  view(): InstanceView {
    const live = this.connection?.documents();
    const online = this.isOnline();
    const cached = this.cached;
    if (cached && cached.view.online === online && sameDocuments(cached.live, live)) {
      // Only the time moves while nothing else does: a cheap copy, not a rebuild.
      return online ? { ...cached.view, lastSeen: new Date().toISOString() } : cached.view;
    }
    const view = this.build(live, online);
    this.cached = { view, live };
    return view;
  }

  private build(live: DocumentRecord[] | undefined, online: boolean): InstanceView {
    const docs = live
      ? live.map((r) => this.reports.get(r.key) ?? blankReport(r))
      : [...this.reports.values()];
    return {
      id: this.id,
      source: this.source,
      labels: this.labels,
      host: this.host,
      pid: this.pid,
      sdk: this.sdk,
      replica: this.replica,
      connectedSince: new Date(this.connectedSince).toISOString(),
      lastSeen: new Date(online ? Date.now() : this.lastSeen).toISOString(),
      online,
      documents: docs.map(toDocument),
      lastError: this.lastError,
      ignoredReports: this.ignoredReports,
      events: [...this.events],
    };
  }
}

function sameDocuments(
  a: readonly DocumentRecord[] | undefined,
  b: readonly DocumentRecord[] | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

function blankReport(r: DocumentRecord): DocumentReport {
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

function toDocument(r: DocumentReport): InstanceDocument {
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
