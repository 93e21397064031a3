import type { ConfigObject } from '@hotconf/client';
import { Document, Scalar, visit } from 'yaml';
import { flatten, toProperties } from '../config/flatten.js';
import { resolveDocument } from '../config/placeholders.js';
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
    // A multi-document file is one file, however many of its documents applied.
    const sources = JSON.stringify([...new Set(doc.sources.map((s) => s.file))]);
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
    const propertySources = doc.sources.map((s) => ({
      name: s.name ?? s.file,
      source: flatten(s.config),
    }));
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

/**
 * The merged document as one file, the way Spring's `/{name}-{profiles}.{ext}` serves it:
 * `.yml` and `.properties` with `${…}` placeholders resolved from the document (Spring's
 * `resolvePlaceholders` default for those), `.json` as the native document.
 */
export function renderFile(doc: PublishedDocument, ext: Rendering): { type: string; body: Buffer } {
  const body = bodyOf(doc, `file:${ext}`, () => {
    if (ext === 'json') return doc.configJson;
    const resolved = resolveDocument(doc.config);
    if (ext === 'properties') return toProperties(resolved);
    return toYaml(resolved);
  });
  return { type: TYPES[ext], body };
}

// Plain scalars a YAML 1.1 reader (SnakeYAML, Spring's) or a YAML 1.2 reader would read as
// something other than text: booleans of both versions, null, numbers in any base or with
// `_`/`:` (sexagesimal), dates, infinities, merge and value keys.
const RETYPED =
  /^(?:[-+]?[0-9.][0-9a-zA-Z_:.+-]*|~|null|Null|NULL|[yYnN]|yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|<<|=)$/;

/** YAML text that YAML 1.1 and 1.2 readers both read back as the same document. */
export function toYaml(config: ConfigObject): string {
  const doc = new Document(config, { version: '1.1', aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && RETYPED.test(node.value))
        node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString();
}
