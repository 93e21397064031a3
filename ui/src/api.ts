/** Every request the console makes, with the token it was given (if any). */

const TOKEN_KEY = 'hotconf.token';

/** An API error answer, as `{error: {code, message}}` says it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Listener = () => void;
const authListeners = new Set<Listener>();
let authNeeded = false;

/** True once the server answered 401: the page shows the token form. */
export function needsToken(): boolean {
  return authNeeded;
}

/** Called when the need for a token changes (a 401, or a token entered). */
export function onAuthChange(listener: Listener): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

function setNeeded(value: boolean): void {
  if (authNeeded === value) return;
  authNeeded = value;
  for (const l of authListeners) l();
}

/** Keeps the token for this browser session only, and retries what was refused. */
export function rememberToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
  setNeeded(false);
}

/** Forgets the token. */
export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * Headers for a request: the session's token when one was entered. Without one the
 * request goes out bare, so an Authorization header the browser or a proxy adds works.
 */
export function authHeaders(): Record<string, string> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** Fetches JSON from the API; a 401 asks for a token; other errors throw {@link ApiError}. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, {
    ...init,
    headers: { Accept: 'application/json', ...authHeaders(), ...(init.headers ?? {}) },
    credentials: 'same-origin',
  });
  if (res.status === 401) {
    setNeeded(true);
    throw new ApiError(401, 'HC_UNAUTHORIZED', 'a token is needed');
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, error?.code ?? 'HC_ERROR', error?.message ?? res.statusText);
  }
  return body as T;
}

/** Optional APIs (`fleet`, `rollouts`) this server answered 404 for: not asked again. */
const missing = new Set<string>();

/**
 * Like {@link api} for an API this server may not have (the fleet view, rollouts):
 * undefined when it answers 404 with `no such route`, and never asked again in this page.
 */
export async function optionalApi<T>(feature: string, path: string): Promise<T | undefined> {
  if (missing.has(feature)) return undefined;
  try {
    return await api<T>(path);
  } catch (error) {
    // Only a missing route: `orders (prod) has no rollout` is a 404 of an API that exists.
    if (
      error instanceof ApiError &&
      error.status === 404 &&
      error.code === 'HC_NOT_FOUND' &&
      error.message === 'no such route'
    ) {
      missing.add(feature);
      return undefined;
    }
    throw error;
  }
}

/**
 * An optional API (`fleet`, `rollouts`) if this server has it: the console's documents
 * answer says which exist, so the page never asks for one that does not.
 */
export async function ifFeature<T>(
  features: Record<string, boolean>,
  feature: string,
  path: string,
): Promise<T | undefined> {
  return features[feature] ? optionalApi<T>(feature, path) : undefined;
}

/** `orders/dev,eu` for a URL path, each part encoded. */
export function docPath(service: string, profiles: readonly string[]): string {
  return `${encodeURIComponent(service)}/${profiles.map(encodeURIComponent).join(',')}`;
}
