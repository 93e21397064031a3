import type { Context } from 'koa';

/** Sends a prebuilt body with its ETag, answering 304 when the caller already has it. */
export function sendCached(ctx: Context, etag: string, type: string, body: Buffer): void {
  const quoted = `"${etag}"`;
  ctx.set('ETag', quoted);
  ctx.set('Cache-Control', 'no-cache');
  if (etagMatches(ctx.get('If-None-Match'), quoted)) {
    ctx.status = 304;
    return;
  }
  ctx.type = type;
  ctx.body = body;
}

/** True when an If-None-Match header names `quoted` (weak or strong) or `*`. */
export function etagMatches(ifNoneMatch: string | undefined, quoted: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === quoted;
  });
}

/** Sends a JSON value. */
export function sendJson(ctx: Context, value: unknown, status = 200): void {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = JSON.stringify(value);
}

/**
 * A GET or HEAD that no earlier route answered: what the Spring routes, which run after
 * hotconf's own and match almost any path, may take.
 */
export function unansweredRead(ctx: Context): boolean {
  return (
    (ctx.method === 'GET' || ctx.method === 'HEAD') && ctx.body === undefined && ctx.status === 404
  );
}
