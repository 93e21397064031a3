/**
 * Every error code the server sends, HTTP and WebSocket alike: the one table (as the SDK
 * has its own in client-sdk/src/errors.ts). Each is documented in docs/api.md, and a test
 * checks that none is missing there.
 */
export const ErrorCodes = {
  /** 400: a service or profile name breaks the naming rule. */
  INVALID_NAME: 'HC_INVALID_NAME',
  /** 400: a label breaks the label rule. */
  INVALID_LABEL: 'HC_INVALID_LABEL',
  /** 400: a query parameter is out of range. */
  INVALID_PARAMETER: 'HC_INVALID_PARAMETER',
  /** 400: malformed path encoding, body or header. */
  BAD_REQUEST: 'HC_BAD_REQUEST',
  /** 401: no valid token. */
  UNAUTHORIZED: 'HC_UNAUTHORIZED',
  /** 403: a valid token outside its scope. */
  FORBIDDEN: 'HC_FORBIDDEN',
  /** 404: no such route. */
  NOT_FOUND: 'HC_NOT_FOUND',
  /** 404: no file or schema names the service at the label. */
  SERVICE_NOT_FOUND: 'HC_SERVICE_NOT_FOUND',
  /** 404: the plain-text endpoint found no such file (nor a profile variant). */
  FILE_NOT_FOUND: 'HC_FILE_NOT_FOUND',
  /** 400: a plain-text path with `..`, `.git`, an empty part or odd characters. */
  INVALID_PATH: 'HC_INVALID_PATH',
  /** 404: no branch, tag or commit by that name. */
  LABEL_NOT_FOUND: 'HC_LABEL_NOT_FOUND',
  /** 413: request body too large. */
  BODY_TOO_LARGE: 'HC_BODY_TOO_LARGE',
  /** 415: a body type the route does not take. */
  UNSUPPORTED_MEDIA_TYPE: 'HC_UNSUPPORTED_MEDIA_TYPE',
  /** 500: a server fault. */
  INTERNAL: 'HC_INTERNAL',
  /** 503: the document has no valid version. */
  DOCUMENT_INVALID: 'HC_DOCUMENT_INVALID',
  /** 503: encryption asked for without a key. */
  NO_ENCRYPT_KEY: 'HC_NO_ENCRYPT_KEY',
  /** ws: a frame that is not JSON or fails the protocol schema. */
  BAD_MESSAGE: 'HC_BAD_MESSAGE',
  /** ws: a message type the protocol does not have. */
  UNKNOWN_TYPE: 'HC_UNKNOWN_TYPE',
  /** ws: a client frame over 64 kB. */
  FRAME_TOO_LARGE: 'HC_FRAME_TOO_LARGE',
  /** ws: a subscribe past the per-connection limit. */
  TOO_MANY_SUBSCRIPTIONS: 'HC_TOO_MANY_SUBSCRIPTIONS',
  /** ws: a `hello` over the fleet limits, or a second one on a connection. */
  INVALID_HELLO: 'HC_INVALID_HELLO',
  /** ws: a malformed `applied`/`failed` report. */
  INVALID_REPORT: 'HC_INVALID_REPORT',
  /** ws: a `hello` claimed the id of another live connection; the welcome carries a new id. */
  INSTANCE_ID_IN_USE: 'HC_INSTANCE_ID_IN_USE',
  /** 404: no instance by that id the token may see. */
  INSTANCE_NOT_FOUND: 'HC_INSTANCE_NOT_FOUND',
  /** 503: no `HOTCONF_SPRING_BUS_URL`, so nothing can be announced on Spring Cloud Bus. */
  NO_SPRING_BUS: 'HC_NO_SPRING_BUS',
  /** 503: `/v1/events` asked for while the server shuts down. */
  UNAVAILABLE: 'HC_UNAVAILABLE',
  /** 503: too many open `/v1/events` streams on this replica. */
  TOO_MANY_STREAMS: 'HC_TOO_MANY_STREAMS',
} as const;

/** A stable error code from {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * One error type for everything a caller may be told. `code` is stable and documented
 * (docs/api.md); `expose` says whether `message` may reach the caller; 5xx never do.
 */
export class HotconfError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly expose: boolean;
  readonly details: unknown;

  constructor(status: number, code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'HotconfError';
    this.status = status;
    this.code = code;
    this.expose = status < 500 || status === 503;
    this.details = details;
  }
}

/** A name, label or parameter that breaks DESIGN §2's rules. 400. */
export class InvalidInputError extends HotconfError {
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(400, code, message, details);
  }
}

/** Unknown service, label or route. 404. */
export class NotFoundError extends HotconfError {
  constructor(code: ErrorCode, message: string) {
    super(404, code, message);
  }
}

/** No token, or a token that does not match. 401. */
export class UnauthorizedError extends HotconfError {
  constructor(message = 'a valid token is required') {
    super(401, ErrorCodes.UNAUTHORIZED, message);
  }
}

/** A valid token outside its scope. 403. */
export class ForbiddenError extends HotconfError {
  constructor(message: string) {
    super(403, ErrorCodes.FORBIDDEN, message);
  }
}

/** One problem found by the gate: a file, where in the document, and a sentence. */
export interface Problem {
  /** Repository-relative file the problem is in, when one can be named. */
  file?: string;
  /** JSON pointer into the merged document. */
  path: string;
  /** 1-based line in `file`, when known. */
  line?: number;
  /** A sentence a person reads. */
  message: string;
}

/** A document with no valid version to serve. 503 with the problems. */
export class DocumentUnavailableError extends HotconfError {
  constructor(message: string, problems: Problem[]) {
    super(503, ErrorCodes.DOCUMENT_INVALID, message, problems);
  }
}
