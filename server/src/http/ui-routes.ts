import Router from '@koa/router';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Context } from 'koa';
import { NotFoundError } from '../errors.js';
import { etagMatches } from './send.js';

export interface UiRoutesOptions {
  /** The built console (`npm run build` writes it). Default: `dist/ui` beside the server build. */
  dir?: string;
}

/** Only the server itself: no CDN, no fonts, no frames, no inline script. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; " +
  "form-action 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

interface Asset {
  type: string;
  body: Buffer;
  gzipped: Buffer;
  etag: string;
  /** Names with a content hash never change: cache them for a year. */
  immutable: boolean;
}

/** `dist/ui`, from `dist/server/src/http/ui-routes.js`. */
export function defaultUiDir(): string {
  return fileURLToPath(new URL('../../../ui/', import.meta.url));
}

/**
 * `GET /ui` (and `/ui/`, and `/ui/index.html`): the console page; `GET /ui/{asset}` its
 * script and style; other `/ui/…` paths are left to the Spring routes. Files are read and gzipped once at start-up; the page itself needs no
 * token (it holds no data), and every data request it makes goes through the API's auth.
 * Every answer carries a CSP that allows nothing from outside the server.
 */
export function uiRoutes(options: UiRoutesOptions = {}): Router {
  const dir = options.dir ?? defaultUiDir();
  const assets = loadAssets(dir);
  const router = new Router();

  const serve = (ctx: Context, name: string) => {
    const asset = assets.get(name);
    if (!asset) {
      throw new NotFoundError('HC_NOT_FOUND', 'the console is not built: run npm run build');
    }
    ctx.set('Content-Security-Policy', CONSOLE_CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Cache-Control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    ctx.set('ETag', asset.etag);
    ctx.vary('Accept-Encoding');
    if (etagMatches(ctx.get('If-None-Match'), asset.etag)) {
      ctx.status = 304;
      return;
    }
    ctx.type = asset.type;
    if (/\bgzip\b/.test(ctx.get('Accept-Encoding'))) {
      ctx.set('Content-Encoding', 'gzip');
      ctx.body = asset.gzipped;
    } else {
      ctx.body = asset.body;
    }
  };
  router.get('/ui', (ctx) => serve(ctx, 'index.html'));
  router.get('/ui/', (ctx) => serve(ctx, 'index.html'));
  // Anything else under /ui/ goes on to the Spring routes: a service (or label) named `ui`
  // keeps `/ui/{profiles}` and `/ui/{service}-{profiles}.yml`.
  router.get('/ui/:file', (ctx, next) => {
    const file = ctx.params.file ?? '';
    return assets.has(file) ? serve(ctx, file) : next();
  });
  return router;
}

/** Every file of the built console, by name; empty when it was not built. */
function loadAssets(dir: string): Map<string, Asset> {
  const out = new Map<string, Asset>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (!type) continue;
    const body = readFileSync(path.join(dir, name));
    out.set(name, {
      type,
      body,
      gzipped: gzipSync(body, { level: 9 }),
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      immutable: /-[A-Z0-9]{8,}\./i.test(name),
    });
  }
  return out;
}
