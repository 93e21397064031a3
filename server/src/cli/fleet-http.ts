/** What `hotconf fleet` reads from a server: the fleet routes' shapes and paging. */
import type { DocumentSummary } from '../fleet/fleet-view.js';
import { getJson, type Target } from './server-get.js';

/** One document's line of `GET /v1/fleet`: the server's own type. */
export type Summary = DocumentSummary;

/** One instance row of `GET /v1/fleet/{service}/{profiles}`. */
export interface Row {
  id: string;
  host: string | null;
  pid: number | null;
  replica: string;
  lastSeen: string;
  online: boolean;
  labels: Record<string, string>;
  state: string;
  commit?: 'reached' | 'failed' | 'waiting';
  documents: { etag: string | null; version: string | null; error: string | null }[];
}

/** One page of those rows. */
export interface Page {
  partial: boolean;
  instances: Row[];
  nextCursor: string | null;
  commit?: { id: string; etag: string; reached: number; failed: number; waiting: number };
}

/** Removes control characters, so an instance's error or labels cannot rewrite the terminal. */
export function clean(text: string, max = 200): string {
  const flat = text.replace(/\p{Cc}+/gu, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** `/v1/fleet/{service}/{profiles}?query`. */
export function documentPath(
  service: string,
  profiles: string,
  query: Record<string, string | undefined>,
): string {
  const params = new URLSearchParams(
    Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined),
  );
  return `/v1/fleet/${encodeURIComponent(service)}/${encodeURIComponent(profiles)}?${params}`;
}

/** Every page of one document's instances. */
export async function allInstances(target: Target, path: string): Promise<Page> {
  const first = await getJson<Page>(target, path);
  let page = first;
  const instances = [...first.instances];
  while (page.nextCursor) {
    page = await getJson<Page>(target, `${path}&cursor=${encodeURIComponent(page.nextCursor)}`);
    instances.push(...page.instances);
  }
  return { ...first, instances, nextCursor: null };
}
