import type { Context } from 'koa';

/** Sends a prebuilt body with its ETag, answering 304 when the caller already has it. */
export function sendCached(ctx: Context, etag: string, type: string, body: Buffer): void {
  const quoted = `"${etag}"`;
  ctx.set('ETag', quoted);
  ctx.set('Cache-Control', 'no-cache');
  const inm = ctx.get('If-None-Match');
  if (
    inm &&
    inm.split(',').some((t) => t.trim().replace(/^W\//, '') === quoted || t.trim() === '*')
  ) {
    ctx.status = 304;
    return;
  }
  ctx.type = type;
  ctx.body = body;
}

/** Sends a JSON value. */
export function sendJson(ctx: Context, value: unknown, status = 200): void {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = JSON.stringify(value);
}
