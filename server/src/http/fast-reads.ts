import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkLabel, checkService, decodeSpringLabel, parseProfiles } from '../config/names.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Publisher } from '../publish/publisher.js';
import type { PublishedDocument } from '../publish/published-document.js';
import type { Access } from '../access/access.js';
import { nativeBody, springBody } from './render.js';
import { logRequest, requestIdOf } from './request-log.js';
import { etagMatches } from './send.js';

export interface FastReadsDeps {
  publisher: Publisher;
  access: Access;
  metrics: Metrics;
  logger: Logger;
}

/** Handles a request and returns true, or returns false having touched nothing. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

interface Read {
  /** The path without its query, for the log line. */
  path: string;
  service: string;
  profiles: string[];
  label: string | undefined;
  route: string;
  body: (doc: PublishedDocument) => Buffer;
}

/**
 * The hot path, ahead of Koa: `GET /v1/config/{service}/{profiles}[?label=]` and Spring's
 * `GET /{service}/{profiles}[/{label}]` for a document already published and readable by
 * the caller — the requests a fleet makes thousands of times a second. They get the same
 * bytes, headers, access check, metrics and log line as through Koa, for about half the
 * cost (docs/benchmarks.md). Anything else — percent-encoding, other query parameters, an
 * unknown or unpublished document, a missing or insufficient token, HEAD — returns false
 * untouched, and Koa answers it with the full middleware stack, errors included.
 */
export function fastReads(deps: FastReadsDeps): FastPath {
  return (req, res) => {
    if (req.method !== 'GET') return false;
    const start = performance.now();
    const url = req.url ?? '';
    if (url.includes('%')) return false;
    const read = parseRead(url);
    if (!read) return false;
    const principal = deps.access.identify(req.headers.authorization);
    if (!principal || !principal.canRead(read.service)) return false;
    const doc = deps.publisher.peek(read.service, read.profiles, read.label)?.published;
    // Every owner of its sources, not only the service named (DESIGN §7): else Koa's 403.
    if (!doc || !principal.canReadDocument(doc.owners)) return false;

    const header = req.headers['x-request-id'];
    const reqId = requestIdOf(typeof header === 'string' ? header : undefined);
    const quoted = `"${doc.etag}"`;
    // One writeHead with a flat list: several setHeader calls cost more than the lookup.
    const headers = ['X-Request-Id', reqId, 'ETag', quoted, 'Cache-Control', 'no-cache'];
    let status = 200;
    if (etagMatches(req.headers['if-none-match'], quoted)) {
      status = 304;
      res.writeHead(304, headers).end();
    } else {
      const body = read.body(doc);
      headers.push(
        'Content-Type',
        'application/json; charset=utf-8',
        'Content-Length',
        String(body.length),
      );
      res.writeHead(200, headers).end(body);
    }
    deps.metrics.request('GET', read.route, status, (performance.now() - start) / 1000);
    logRequest(deps.logger, reqId, 'GET', read.route, read.path, status, start);
    return true;
  };
}

/** Recognises the two read routes; undefined for anything else or any invalid part. */
function parseRead(url: string): Read | undefined {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const parts = path.split('/');
  try {
    if (parts[1] === 'v1' && parts[2] === 'config' && (parts.length === 4 || parts.length === 5)) {
      let label: string | undefined;
      if (query) {
        if (!query.startsWith('label=') || query.includes('&')) return undefined;
        label = query.length > 6 ? checkLabel(query.slice(6)) : undefined;
      }
      return {
        path,
        service: checkService(parts[3] ?? ''),
        profiles: parseProfiles(parts[4]),
        label,
        route: parts.length === 5 ? '/v1/config/:service/:profiles' : '/v1/config/:service',
        body: nativeBody,
      };
    }
    if (
      !query &&
      (parts.length === 3 || parts.length === 4) &&
      parts[2] &&
      !/\.(ya?ml|json|properties)$/.test(parts[2])
    ) {
      const label = parts[3] === undefined ? undefined : checkLabel(decodeSpringLabel(parts[3]));
      return {
        path,
        service: checkService(parts[1] ?? ''),
        profiles: parseProfiles(parts[2]),
        label,
        route: 'spring',
        body: (doc) => springBody(doc, label ?? null),
      };
    }
  } catch {
    // An invalid name or label: Koa's routes answer it with the proper 400.
  }
  return undefined;
}
