import type { ConfigObject } from '@hotconf/client';
import { LRUCache } from 'lru-cache';
import type { ConfigResolver, Source } from '../config/config-resolver.js';
import type { Snapshot } from '../git/snapshot.js';
import type { SchemaGate } from '../schema/schema-gate.js';
import { judgeDocument, type Judgement } from '../schema/judge-document.js';
import { etagOf } from './published-document.js';

/** A valid document's content, serialised once and shared by every document with the same sources. */
export interface Content {
  config: ConfigObject;
  sources: Source[];
  /** Services owning its sources, its own first (DESIGN §7). */
  owners: readonly string[];
  validated: boolean;
  configJson: string;
  etag: string;
}

/** A judgement whose valid content is shared. */
export type SharedJudgement =
  { ok: true; content: Content; shared: boolean } | Extract<Judgement, { ok: false }>;

export interface SharedContentOptions {
  resolver: ConfigResolver;
  gate: SchemaGate;
  /** Bytes of JSON kept for reuse. Default 64 MiB. */
  maxBytes?: number;
}

/**
 * Judges documents (resolve, then validate: {@link judgeDocument}) and keeps each valid
 * result by its sources' fingerprint, so `orders` profiles `p1`…`p5000` — all merged from
 * the same files — hold one config and one serialisation between them. Only valid
 * results are kept: a failure may be a passing read error, and is judged again next time.
 */
export class SharedContent {
  private readonly cache: LRUCache<string, Content>;

  constructor(private readonly options: SharedContentOptions) {
    this.cache = new LRUCache<string, Content>({
      max: 10_000,
      maxSize: options.maxBytes ?? 64 << 20,
      sizeCalculation: (content) => Math.max(1, content.configJson.length),
    });
  }

  /** The judgement of (service, profiles) at `snapshot`; `shared` when the content was reused. */
  async judge(
    snapshot: Snapshot,
    service: string,
    profiles: readonly string[],
    label?: string,
  ): Promise<SharedJudgement> {
    const { resolver, gate } = this.options;
    // The fingerprint names every file and the schema used, the active documents which parts
    // of them apply: both the same, same verdict.
    const active = await resolver.activeDocuments(snapshot, service, profiles, label);
    const key = `${snapshot.prefix}\0${service}\0${resolver.fingerprint(snapshot, service, profiles, label)}\0${active}`;
    const known = this.cache.get(key);
    if (known) return { ok: true, content: known, shared: true };
    const outcome = await judgeDocument(resolver, gate, snapshot, service, profiles, label);
    if (!outcome.ok) return outcome;
    const raced = this.cache.get(key);
    if (raced) return { ok: true, content: raced, shared: true };
    const configJson = JSON.stringify(outcome.config);
    const content: Content = {
      config: outcome.config,
      sources: outcome.sources,
      owners: outcome.owners,
      validated: outcome.validated,
      configJson,
      etag: etagOf(configJson),
    };
    this.cache.set(key, content);
    return { ok: true, content, shared: false };
  }
}
