import { UsageError } from './command.js';

/**
 * How client commands (`get`, `history`, `diff`, `fleet`) reach a running server: where
 * it is, with which token, and one GET that turns every failure into a sentence.
 */

/** A running server to talk to: `--server` / `$HOTCONF_SERVER`, `--token` / `$HOTCONF_TOKEN`. */
export interface Target {
  server: string;
  token: string | undefined;
}

export function targetOf(values: {
  server?: string | undefined;
  token?: string | undefined;
}): Target {
  const server = (values.server ?? process.env.HOTCONF_SERVER ?? 'http://127.0.0.1:8888').replace(
    /\/+$/,
    '',
  );
  if (!/^https?:\/\/[^/]/.test(server))
    throw new UsageError(`--server must be an http:// or https:// URL, got "${server}"`);
  const token = values.token ?? (process.env.HOTCONF_TOKEN || undefined);
  return { server, token };
}

/** A failed request: status 0 when the server could not be reached. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * GETs `path` and returns its JSON body.
 * @throws RequestError with the server's own message and code, or why it could not be
 *   reached, or that what answered is not a hotconf server.
 */
export async function getJson<T>(target: Target, path: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (target.token) headers.Authorization = `Bearer ${target.token}`;
  let response: Response;
  try {
    response = await fetch(target.server + path, { headers, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new RequestError(
      0,
      'unreachable',
      `cannot reach ${target.server}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
    );
  }
  const text = await response.text();
  let body: (T & { error?: { code?: string; message?: string } }) | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new RequestError(
      response.status,
      'not-json',
      `${target.server} answered ${response.status} with a body that is not JSON: is it a hotconf server?`,
    );
  }
  if (!response.ok || body === undefined || body === null) {
    const err = body?.error;
    throw new RequestError(
      response.status,
      err?.code ?? String(response.status),
      `${err?.message ?? `the server answered ${response.status}`} (${err?.code ?? response.status})`,
    );
  }
  return body;
}
