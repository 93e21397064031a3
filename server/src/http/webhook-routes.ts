import Router from '@koa/router';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { HotconfError, UnauthorizedError } from '../errors.js';
import type { Logger } from '../logger.js';
import { parseJsonBody, readBody } from './read-body.js';
import { sendJson } from './send.js';

export interface WebhookRoutesOptions {
  /** HMAC secret (GitHub, Gitea, Bitbucket) or shared token (GitLab). None: unsigned accepted. */
  secret: string | undefined;
  logger: Logger;
  /** Fetch now; `refs` are the refs the push named, when it named any. */
  onPush(refs: string[]): void;
}

type Provider = 'github' | 'gitlab' | 'gitea' | 'bitbucket' | 'spring';

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function hmac(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Which forge sent this, from its headers. */
function providerOf(ctx: Context): Provider {
  if (ctx.get('X-GitHub-Event')) return 'github';
  if (ctx.get('X-Gitlab-Event')) return 'gitlab';
  if (ctx.get('X-Gitea-Event') || ctx.get('X-Gogs-Event')) return 'gitea';
  if (ctx.get('X-Event-Key')) return 'bitbucket';
  return 'spring';
}

/** Checks the signature or token; throws 401 when it is missing or wrong. */
function verify(ctx: Context, provider: Provider, secret: string, body: Buffer): void {
  const expected = hmac(secret, body);
  const sig256 = ctx.get('X-Hub-Signature-256') || ctx.get('X-Hub-Signature');
  let ok = false;
  if (provider === 'gitlab') ok = equal(ctx.get('X-Gitlab-Token'), secret);
  else if (provider === 'gitea')
    ok = equal(ctx.get('X-Gitea-Signature') || ctx.get('X-Gogs-Signature'), expected);
  else if (sig256) ok = equal(sig256, `sha256=${expected}`);
  else if (ctx.get('X-Gitlab-Token')) ok = equal(ctx.get('X-Gitlab-Token'), secret);
  if (!ok) throw new UnauthorizedError('the webhook signature or token does not match');
}

/** Branch and tag refs a push payload names (GitHub, GitLab, Gitea: `ref`; Bitbucket: `push.changes`). */
function refsOf(payload: unknown): string[] {
  if (!payload || typeof payload !== 'object') return [];
  const p = payload as {
    ref?: unknown;
    push?: { changes?: { new?: { name?: unknown; type?: unknown } }[] };
  };
  const refs: string[] = [];
  if (typeof p.ref === 'string') refs.push(p.ref);
  for (const c of p.push?.changes ?? []) {
    if (typeof c.new?.name === 'string')
      refs.push(`${c.new.type === 'tag' ? 'refs/tags/' : 'refs/heads/'}${c.new.name}`);
  }
  return refs.filter((r) => /^refs\/(heads|tags)\/[A-Za-z0-9._/-]{1,200}$/.test(r)).slice(0, 100);
}

/**
 * `POST /v1/webhook` and Spring's `POST /monitor`: a push event from GitHub, GitLab, Gitea
 * or Bitbucket makes the server fetch now rather than at the next poll. Answers 202 at
 * once; the change then flows to subscribers like any other.
 */
export function webhookRoutes(options: WebhookRoutesOptions): Router {
  const router = new Router();
  const handle = async (ctx: Context) => {
    const body = await readBody(ctx);
    const provider = providerOf(ctx);
    if (options.secret) verify(ctx, provider, options.secret, body);
    const event =
      ctx.get('X-GitHub-Event') ||
      ctx.get('X-Gitea-Event') ||
      ctx.get('X-Gitlab-Event') ||
      ctx.get('X-Event-Key');
    if (provider === 'github' && event === 'ping') {
      sendJson(ctx, { accepted: true, event: 'ping' });
      return;
    }
    let payload: unknown = {};
    if (body.length > 0 && ctx.is('json')) payload = parseJsonBody(body);
    else if (body.length > 0 && provider !== 'spring') {
      throw new HotconfError(400, 'HC_BAD_REQUEST', 'webhook payloads must be JSON');
    }
    const refs = refsOf(payload);
    options.logger.info({ provider, event, refs }, 'webhook: fetching now');
    options.onPush(refs);
    sendJson(ctx, { accepted: true, provider, refs }, 202);
  };
  router.post('/v1/webhook', handle);
  router.post('/monitor', handle);
  return router;
}
