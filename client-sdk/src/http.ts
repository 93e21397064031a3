import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCodes, HotconfClientError } from './errors.js';
import { backoffDelay, type ResolvedOptions } from './options.js';
import type { ConfigObject } from './protocol.js';

/** One published document as the client holds it. */
export interface ConfigDocument {
  /** Commit id. */
  version: string;
  /** Content hash. */
  etag: string;
  config: ConfigObject;
}

/** What the boot fetch ended with when it did not get a document. */
export interface BootFailure {
  /** Why the last attempt failed, in words. */
  reason: string;
  /** How many requests were made. */
  attempts: number;
}

/** Statuses that retrying cannot fix: the request or the token is wrong. */
const FATAL_STATUSES = new Set([400, 401, 403, 404, 405, 410, 422]);

/** `orders/dev,eu` or `orders/dev,eu@main`, for messages. */
export function describeDocument(
  opts: Pick<ResolvedOptions, 'service' | 'profiles' | 'label'>,
): string {
  return `${opts.service}/${opts.profiles.join(',')}${opts.label ? `@${opts.label}` : ''}`;
}

/** `GET {server}/v1/config/{service}/{profiles}?label=` */
export function configUrl(
  opts: Pick<ResolvedOptions, 'server' | 'service' | 'profiles' | 'label'>,
): string {
  const base = `${opts.server}/v1/config/${encodeURIComponent(opts.service)}/${opts.profiles
    .map(encodeURIComponent)
    .join(',')}`;
  return opts.label ? `${base}?label=${encodeURIComponent(opts.label)}` : base;
}

/**
 * Fetches the document, retrying with exponential back-off and full jitter until
 * `bootTimeoutMs` has passed. Returns the document, or why the server could not be used.
 * @throws HotconfClientError when the server answers in a way retrying cannot fix
 *   (400, 401, 403, 404, …): a bad token, an unknown service, an invalid name.
 */
export async function bootFetch(opts: ResolvedOptions): Promise<ConfigDocument | BootFailure> {
  const deadline = Date.now() + opts.bootTimeoutMs;
  let reason = 'no attempt was made';
  for (let attempt = 0; ; attempt++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { reason, attempts: attempt };
    try {
      return await fetchOnce(opts, Math.min(remaining, opts.requestTimeoutMs));
    } catch (err) {
      if (err instanceof HotconfClientError) throw err;
      reason = (err as Error).message;
    }
    const wait = Math.min(backoffDelay(attempt, opts.retry), deadline - Date.now());
    // Ref'd on purpose: a host doing nothing but `await connect()` must not exit mid-boot.
    if (wait > 0) await sleep(wait);
  }
}

/** Type guard separating a fetched document from a failure. */
export function isDocument(result: ConfigDocument | BootFailure): result is ConfigDocument {
  return 'etag' in result;
}

/**
 * One request. Throws HotconfClientError for fatal answers and a plain Error (whose
 * message explains it) for anything worth retrying.
 */
async function fetchOnce(opts: ResolvedOptions, timeoutMs: number): Promise<ConfigDocument> {
  const url = configUrl(opts);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new Error(describeFetchError(err, timeoutMs));
  }
  const text = await response.text().catch(() => '');
  if (response.status === 200) {
    const doc = parseDocument(text);
    if (!doc) throw new Error('the server answered 200 with a body that is not a config document');
    return doc;
  }
  const serverError = parseServerError(text);
  const detail = serverError
    ? `${serverError.message} (HTTP ${response.status} ${serverError.code})`
    : `HTTP ${response.status}`;
  if (FATAL_STATUSES.has(response.status)) {
    const code =
      serverError?.code ??
      (response.status === 401
        ? ErrorCodes.UNAUTHORIZED
        : response.status === 403
          ? ErrorCodes.FORBIDDEN
          : `HC_HTTP_${response.status}`);
    throw new HotconfClientError(
      code,
      `hotconf: ${opts.server} refused ${describeDocument(opts)}: ${detail}`,
      { status: response.status },
    );
  }
  throw new Error(`the server answered ${detail}`);
}

/** Checks the fields the client relies on in a `GET /v1/config` body. */
export function parseDocument(text: string): ConfigDocument | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { version, etag, config } = body as Record<string, unknown>;
  if (typeof version !== 'string' || typeof etag !== 'string') return undefined;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return undefined;
  return { version, etag, config: config as ConfigObject };
}

function parseServerError(text: string): { code: string; message: string } | undefined {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = body.error ?? {};
    return typeof code === 'string' && typeof message === 'string' ? { code, message } : undefined;
  } catch {
    return undefined;
  }
}

/** `connect ECONNREFUSED 127.0.0.1:8888` rather than fetch's bare "fetch failed". */
function describeFetchError(err: unknown, timeoutMs: number): string {
  const error = err as Error & { cause?: unknown };
  if (error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = error.cause as (Error & { code?: string }) | undefined;
  if (cause?.message) return cause.message;
  if (cause?.code) return `${cause.code} (${error.message})`;
  return error.message ?? String(err);
}
