import type { ConfigObject } from '@hotconf/client';
import { stringify } from 'yaml';
import { flatten, toProperties } from '../config/flatten.js';
import { bodyOf, type PublishedDocument } from '../publish/published-document.js';

/** `GET /v1/config/...` body, built once per published document. */
export function nativeBody(doc: PublishedDocument): Buffer {
  return bodyOf(doc, 'native', () => {
    const head = JSON.stringify({
      service: doc.service,
      profiles: doc.profiles,
      label: doc.label,
      version: doc.version,
      etag: doc.etag,
    });
    const sources = JSON.stringify(doc.sources.map((s) => s.file));
    return `${head.slice(0, -1)},"config":${doc.configJson},"sources":${sources}}`;
  });
}

/**
 * Spring Cloud Config's Environment: one property source per file, highest first, keys
 * flattened. Values a schema default filled in get a last source of their own, so a
 * Spring client sees the same complete document a native client does.
 */
export function springBody(doc: PublishedDocument, requestedLabel: string | null): Buffer {
  return bodyOf(doc, `spring:${requestedLabel ?? ''}`, () => {
    const propertySources = doc.sources.map((s) => ({ name: s.file, source: flatten(s.config) }));
    const declared = new Set(propertySources.flatMap((p) => Object.keys(p.source)));
    const defaults = Object.fromEntries(
      Object.entries(flatten(doc.config)).filter(([k]) => !declared.has(k)),
    );
    if (Object.keys(defaults).length > 0)
      propertySources.push({ name: 'hotconf:schema-defaults', source: defaults });
    return JSON.stringify({
      name: doc.service,
      profiles: doc.profiles,
      label: requestedLabel,
      version: doc.version,
      state: null,
      propertySources,
    });
  });
}

export type Rendering = 'yml' | 'yaml' | 'json' | 'properties';

const TYPES: Record<Rendering, string> = {
  yml: 'text/yaml; charset=utf-8',
  yaml: 'text/yaml; charset=utf-8',
  json: 'application/json',
  properties: 'text/plain; charset=utf-8',
};

/** The merged document as one file, the way Spring's `/{name}-{profiles}.{ext}` serves it. */
export function renderFile(doc: PublishedDocument, ext: Rendering): { type: string; body: Buffer } {
  const body = bodyOf(doc, `file:${ext}`, () => {
    if (ext === 'json') return doc.configJson;
    if (ext === 'properties') return toProperties(doc.config);
    return stringify(doc.config as ConfigObject, { aliasDuplicateObjects: false });
  });
  return { type: TYPES[ext], body };
}
