/**
 * One error type for everything a caller may be told. `code` is stable and documented
 * (docs/api.md); `expose` says whether `message` may reach the caller; 5xx never do.
 */
export class HotconfError extends Error {
  readonly status: number;
  readonly code: string;
  readonly expose: boolean;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
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
  constructor(code: string, message: string, details?: unknown) {
    super(400, code, message, details);
  }
}

/** Unknown service, label or route. 404. */
export class NotFoundError extends HotconfError {
  constructor(code: string, message: string) {
    super(404, code, message);
  }
}

/** No token, or a token that does not match. 401. */
export class UnauthorizedError extends HotconfError {
  constructor(message = 'a valid token is required') {
    super(401, 'HC_UNAUTHORIZED', message);
  }
}

/** A valid token outside its scope. 403. */
export class ForbiddenError extends HotconfError {
  constructor(message: string) {
    super(403, 'HC_FORBIDDEN', message);
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
    super(503, 'HC_DOCUMENT_INVALID', message, problems);
  }
}
