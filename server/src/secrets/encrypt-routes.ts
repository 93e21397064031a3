import Router from '@koa/router';
import { NAME_PATTERN, RESERVED_NAMES } from '@hotconf/client';
import { HotconfError, InvalidInputError } from '../errors.js';
import { requireAdmin, requirePrincipal, type Access } from '../access/access.js';
import { parseJsonBody, readBody } from '../http/read-body.js';
import { sendJson } from '../http/send.js';
import type { SecretBox } from './secret-box.js';
import { isObject } from '../config/merge.js';

/** Largest value `POST /v1/encrypt` takes: a secret, not a file. */
export const MAX_ENCRYPT_BODY = 64 * 1024;

/**
 * `POST /v1/encrypt` (admin): `{"value": "…"}` → `{"value": "{cipher}…"}`, and with
 * `"service": "orders"` a value bound to that service (DESIGN §7); or a
 * `text/plain` body → the `{cipher}…` text, as Spring Cloud Config's `/encrypt` answers.
 * The caller is checked before the body is read, so no one else makes the server read it.
 */
export function encryptRoutes(options: { box: SecretBox; access: Access }): Router {
  const { box, access } = options;
  const router = new Router();
  router.post('/v1/encrypt', async (ctx) => {
    requireAdmin(requirePrincipal(access, ctx.get('Authorization')));
    const encrypt = box.encrypt;
    if (!encrypt)
      throw new HotconfError(
        503,
        'HC_NO_ENCRYPT_KEY',
        'this server has no HOTCONF_ENCRYPT_KEY, so it cannot encrypt',
      );
    const json = ctx.is('application/json', '+json');
    if (!json && !ctx.is('text/plain')) {
      throw new HotconfError(
        415,
        'HC_UNSUPPORTED_MEDIA_TYPE',
        'send application/json {"value": "…"} or a text/plain body',
      );
    }
    const body = await readBody(ctx, MAX_ENCRYPT_BODY);
    if (!json) {
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = encrypt(body.toString('utf8'));
      return;
    }
    const parsed = parseJsonBody(body) as { value?: unknown; service?: unknown } | null;
    const keys = isObject(parsed) ? Object.keys(parsed) : [];
    if (
      typeof parsed?.value !== 'string' ||
      keys.some((k) => k !== 'value' && k !== 'service') ||
      (parsed.service !== undefined && typeof parsed.service !== 'string')
    ) {
      throw new InvalidInputError(
        'HC_BAD_REQUEST',
        'the body must be {"value": "<string to encrypt>", "service": "<optional service to bind it to>"}',
      );
    }
    const service = parsed.service;
    if (service !== undefined && (!NAME_PATTERN.test(service) || RESERVED_NAMES.has(service)))
      throw new InvalidInputError('HC_INVALID_NAME', 'service is not a valid service name');
    ctx.set('Cache-Control', 'no-store');
    sendJson(ctx, { value: encrypt(parsed.value, service) });
  });
  return router;
}
