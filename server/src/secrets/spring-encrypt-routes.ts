import Router from '@koa/router';
import type { Context } from 'koa';
import { requireAdmin, requirePrincipal, type Access } from '../access/access.js';
import { readBody } from '../http/read-body.js';
import { MAX_ENCRYPT_BODY } from './encrypt-routes.js';
import type { SecretBox, SpringEncryptor } from './secret-box.js';

/** Spring's answer when no key is installed (EncryptionController, 404). */
const NO_KEY = { status: 'NO_KEY', description: 'No key was installed for encryption service' };
/** Spring's answer for text no key opens (EncryptionController, 400). */
const INVALID = { status: 'INVALID', description: 'Text not encrypted with this key' };

/** Leading `{key:alias}` / `{secret:…}` prefixes, as Spring's EnvironmentPrefixHelper reads them. */
const PREFIXES = /^(\{[^:}]*:[^}]*\})*/;

/**
 * A form-encoded body (`curl -d secret` sends `secret=`) is decoded and its trailing `=`
 * dropped, as Spring's EncryptionController does for any type but text/plain.
 */
function bodyText(ctx: Context, raw: string, cipher: boolean): string {
  if (!raw.endsWith('=') || ctx.is('text/plain')) return raw;
  let data = raw;
  try {
    data = decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    // Not URL-encoded after all: used as sent.
  }
  if (cipher) data = data.replace(/ /g, '+');
  const candidate = data.slice(0, -1);
  if (!cipher) return candidate;
  // A hex value never ends in `=`; a base64 one may, and keeps it.
  return /^(?:[0-9a-fA-F]{2})+$/.test(candidate) ? candidate : data;
}

function answer(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  if (typeof body === 'string') {
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = body;
  } else {
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(body);
  }
}

/**
 * Spring Cloud Config's `POST /encrypt` and `POST /decrypt` (DESIGN §2a): admin, text in
 * and out, Spring's status codes and `{status, description}` bodies. `/encrypt` uses
 * Spring's `encrypt.key` when set (or the RSA key a `{key:alias}` prefix names, which is
 * kept on the answer), else hotconf's own key; `/decrypt` opens any `{cipher}` format.
 * The caller is checked before the body is read.
 */
export function springEncryptRoutes(options: { box: SecretBox; access: Access }): Router {
  const { box, access } = options;
  const router = new Router();

  // Spring's status probe: 200 `{"status":"OK"}` with a key, its NO_KEY answer without.
  router.get('/encrypt/status', (ctx) => {
    requireAdmin(requirePrincipal(access, ctx.get('Authorization')));
    if (!box.spring && !box.encrypt) return answer(ctx, 404, NO_KEY);
    answer(ctx, 200, { status: 'OK' });
  });

  router.post(['/encrypt', '/encrypt/:name/:profiles'], async (ctx) => {
    requireAdmin(requirePrincipal(access, ctx.get('Authorization')));
    const input = bodyText(ctx, (await readBody(ctx, MAX_ENCRYPT_BODY)).toString('utf8'), false);
    const prefix = PREFIXES.exec(input)?.[0] ?? '';
    const alias = /\{key:([^}]*)\}/.exec(prefix)?.[1];
    const text = input.slice(prefix.length);
    let encryptor: SpringEncryptor | undefined;
    if (alias !== undefined) encryptor = box.springKey(alias);
    else encryptor = box.spring;
    if (encryptor) return answer(ctx, 200, prefix + encryptor.encrypt(text));
    const native = alias === undefined ? box.encrypt : undefined;
    if (!native) return answer(ctx, 404, NO_KEY);
    // hotconf's own value, without the `{cipher}` that Spring's answers leave out too.
    answer(ctx, 200, native(text).slice('{cipher}'.length));
  });

  // `/{name}/{profiles}` forms choose a key per application in Spring; hotconf has one
  // key set, so they answer as the plain forms do.
  router.post(['/decrypt', '/decrypt/:name/:profiles'], async (ctx) => {
    requireAdmin(requirePrincipal(access, ctx.get('Authorization')));
    if (!box.spring && !box.encrypt && !box.hasSpringKeys) return answer(ctx, 404, NO_KEY);
    const input = bodyText(ctx, (await readBody(ctx, MAX_ENCRYPT_BODY)).toString('utf8'), true);
    const body = input.startsWith('{cipher}') ? input.slice('{cipher}'.length) : input;
    try {
      answer(ctx, 200, box.decryptAny(body.trim()));
    } catch {
      answer(ctx, 400, INVALID);
    }
  });
  return router;
}
