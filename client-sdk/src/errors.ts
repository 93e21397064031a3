/**
 * Stable codes of the errors the client rejects with or emits. Codes the server sends
 * (`HC_NOT_FOUND`, `HC_FORBIDDEN`, …) are passed through unchanged.
 */
export const ErrorCodes = {
  /** The server could not be reached within `bootTimeoutMs` and no usable cache file exists. */
  BOOT_TIMEOUT: 'HC_BOOT_TIMEOUT',
  /** The token was refused (HTTP 401, WebSocket 401 or close code 4401). */
  UNAUTHORIZED: 'HC_UNAUTHORIZED',
  /** The token may not read this service (HTTP 403). */
  FORBIDDEN: 'HC_FORBIDDEN',
  /** The cache file is unreadable, corrupt or belongs to another document; it was ignored. */
  CACHE_IGNORED: 'HC_CACHE_IGNORED',
  /** The cache file could not be written. */
  CACHE_WRITE_FAILED: 'HC_CACHE_WRITE_FAILED',
  /** The server sent something this client does not understand. */
  PROTOCOL: 'HC_PROTOCOL',
  /** `${…}` placeholders refer to each other in a cycle; they are left as written. */
  PLACEHOLDER_CYCLE: 'HC_PLACEHOLDER_CYCLE',
  /** A listener threw; `cause` is what it threw. */
  LISTENER_THREW: 'HC_LISTENER_THREW',
} as const;

/** Every error the client creates. `code` is stable; `status` is the HTTP status when there was one. */
export class HotconfClientError extends Error {
  /** Stable code: one of {@link ErrorCodes} or a code the server sent. */
  readonly code: string;
  /** HTTP status of the response that caused it, if any. */
  readonly status: number | undefined;

  constructor(code: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HotconfClientError';
    this.code = code;
    this.status = options.status;
  }
}
