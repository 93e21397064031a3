import { mayReadDocument, type Principal } from '../access/access.js';
import { documentOwners } from '../publish/document-record.js';
import type { DocumentRecord } from '../publish/publisher.js';
import type { FleetRegistry } from './fleet-registry.js';
import type { FleetStore } from './fleet-store.js';
import {
  documentName,
  standingOf,
  type DocumentStanding,
  type InstanceView,
} from './instance-view.js';

/** What counting needs of an instance's document: a report or a view's document. */
type Brief = Pick<
  InstanceView['documents'][number],
  'etag' | 'version' | 'error' | 'service' | 'label'
> & { profiles: readonly string[] };

/** One document's line in `GET /v1/fleet`. */
export interface DocumentSummary {
  service: string;
  profiles: string[];
  label: string;
  published: { etag: string; version: string } | null;
  online: number;
  applied: number;
  failed: number;
  older: number;
  offline: number;
  /** Connections that never said hello. */
  anonymous: number;
  /** "9 of 10 on a1b2c3d, 1 failed". */
  summary: string;
}

/** The whole fleet as one replica sees it now. */
export interface FleetSnapshot {
  views: InstanceView[];
  partial: boolean;
}

export interface FleetViewOptions {
  registry: FleetRegistry;
  store: FleetStore;
  /** The published document of a `service/profiles@label` key, when this replica holds it. */
  published(key: string): DocumentRecord | undefined;
}

/** Reads the fleet: this replica's instances, merged with the other replicas' from the store. */
export class FleetView {
  constructor(private readonly options: FleetViewOptions) {}

  /** Every instance; this replica's own record wins while it holds the instance online. */
  async snapshot(): Promise<FleetSnapshot> {
    const remote = await this.options.store.read();
    const byId = new Map<string, InstanceView>();
    for (const v of remote.views) byId.set(v.id, v);
    for (const v of this.options.registry.views()) {
      const other = byId.get(v.id);
      if (!other || v.online || (!other.online && v.lastSeen >= other.lastSeen)) byId.set(v.id, v);
    }
    const views = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { views, partial: remote.partial };
  }

  /** What is published for a document now, if this replica holds it. */
  publishedOf(doc: {
    service: string;
    profiles: readonly string[];
    label: string;
  }): { etag: string; version: string } | undefined {
    const published = this.options.published(documentName(doc))?.published;
    return published && { etag: published.etag, version: published.version };
  }

  /** The services whose files a document is made of (DESIGN §7); its own service until published. */
  ownersOf(doc: {
    service: string;
    profiles: readonly string[];
    label: string;
  }): readonly string[] {
    return documentOwners(doc.service, this.options.published(documentName(doc)));
  }

  /** Whether `principal` may see who runs a document: it may read every owner of its sources. */
  mayRead(
    principal: Principal,
    doc: { service: string; profiles: readonly string[]; label: string },
  ): boolean {
    return principal.admin || mayReadDocument(principal, doc.service, this.ownersOf(doc));
  }

  /**
   * An instance as `principal` may see it: only the documents it may read, and only their
   * events and last error; undefined when that leaves none.
   */
  visibleTo(view: InstanceView, principal: Principal): InstanceView | undefined {
    if (principal.admin) return view;
    const documents = view.documents.filter((d) => this.mayRead(principal, d));
    if (documents.length === 0) return undefined;
    const names = new Set(documents.map(documentName));
    const events = view.events.filter((e) => e.document === undefined || names.has(e.document));
    const lastError = view.lastError && names.has(view.lastError.document) ? view.lastError : null;
    return { ...view, documents, events, lastError };
  }

  /**
   * Per document the caller may read: counts by standing, and the one-line summary. Reads
   * this replica's records briefly (no view is built), merged with the other replicas'.
   */
  async summarize(
    principal: Principal,
  ): Promise<{ partial: boolean; documents: DocumentSummary[] }> {
    const remote = await this.options.store.read();
    const { registry } = this.options;
    const feed = (add: (online: boolean, doc: Brief) => void) => {
      registry.eachDocument(add);
      for (const v of remote.views) {
        const mine = registry.presence(v.id);
        if (mine && (mine.online || (!v.online && mine.lastSeen >= Date.parse(v.lastSeen)))) {
          continue;
        }
        for (const d of v.documents) add(v.online, d);
      }
    };
    return { partial: remote.partial, documents: this.count(feed, principal) };
  }

  private count(
    feed: (add: (online: boolean, doc: Brief) => void) => void,
    principal: Principal,
  ): DocumentSummary[] {
    const docs = new Map<string, DocumentSummary>();
    // Whether the caller may read each document, decided once per document, not per instance.
    const allowed = new Map<string, boolean>();
    const entry = (d: { service: string; profiles: readonly string[]; label: string }) => {
      const key = documentName(d);
      let ok = allowed.get(key);
      if (ok === undefined) allowed.set(key, (ok = this.mayRead(principal, d)));
      if (!ok) return undefined;
      let summary = docs.get(key);
      if (!summary) {
        const published = this.publishedOf(d) ?? null;
        summary = {
          service: d.service,
          profiles: [...d.profiles],
          label: d.label,
          published,
          online: 0,
          applied: 0,
          failed: 0,
          older: 0,
          offline: 0,
          anonymous: 0,
          summary: '',
        };
        docs.set(key, summary);
      }
      return summary;
    };
    feed((online, d) => {
      const s = entry(d);
      if (!s) return;
      s[standingOf(online, d, s.published ?? undefined)]++;
      if (online) s.online++;
    });
    for (const record of this.options.registry.anonymousDocuments()) {
      const s = entry(record);
      if (s) s.anonymous++;
    }
    const out = [...docs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return out.map(([, s]) => ({ ...s, summary: sentence(s) }));
  }
}

/** "9 of 10 on a1b2c3d, 1 failed, 2 offline". */
function sentence(s: DocumentSummary): string {
  const at = s.published ? ` on ${s.published.version.slice(0, 7)}` : '';
  const parts = [`${s.applied} of ${s.online}${at}`];
  if (s.failed > 0) parts.push(`${s.failed} failed`);
  if (s.older > 0) parts.push(`${s.older} older`);
  if (s.offline > 0) parts.push(`${s.offline} offline`);
  if (s.anonymous > 0) parts.push(`${s.anonymous} anonymous`);
  return parts.join(', ');
}

/** The standing of `view` on the document named `key`, or undefined when it does not watch it. */
export function standingOn(
  view: InstanceView,
  key: string,
  published: { etag: string; version: string } | undefined,
): { standing: DocumentStanding; doc: InstanceView['documents'][number] } | undefined {
  const doc = view.documents.find((d) => documentName(d) === key);
  return doc && { standing: standingOf(view.online, doc, published), doc };
}
