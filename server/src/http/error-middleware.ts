import type { Context, Next } from 'koa';
import { HotconfError } from '../errors.js';
import type { Logger } from '../logger.js';

/** The one error body shape: `{error: {code, message, details?}}`. */
export function errorBody(code: string, message: string, details?: unknown): string {
  return JSON.stringify({
    error: details === undefined ? { code, message } : { code, message, details },
  });
}

/**
 * Turns anything thrown into the documented error body. A HotconfError says what it is;
 * anything else is logged in full and answered as "internal error" — no stack, path or
 * git command ever reaches a caller.
 */
export function errorMiddleware(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new HotconfError(404, 'HC_NOT_FOUND', 'no such route');
      }
    } catch (error) {
      const { status, code, message, details } = classify(error, logger, ctx);
      ctx.status = status;
      ctx.type = 'application/json';
      ctx.body = errorBody(code, message, details);
      if (status === 401) ctx.set('WWW-Authenticate', 'Basic realm="hotconf", Bearer');
    }
  };
}

function classify(error: unknown, logger: Logger, ctx: Context) {
  if (error instanceof HotconfError) {
    if (!error.expose) {
      logger.error({ err: error, method: ctx.method, route: ctx.state.route }, 'request failed');
      return {
        status: error.status,
        code: error.code,
        message: 'internal error',
        details: undefined,
      };
    }
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      details: error.details,
    };
  }
  if (error instanceof URIError) {
    return {
      status: 400,
      code: 'HC_BAD_REQUEST',
      message: 'the request path is not valid percent-encoding',
      details: undefined,
    };
  }
  const http = error as { status?: number; expose?: boolean };
  if (typeof http.status === 'number' && http.status >= 400 && http.status < 500) {
    return {
      status: http.status,
      code: 'HC_BAD_REQUEST',
      message: 'bad request',
      details: undefined,
    };
  }
  logger.error({ err: error, method: ctx.method }, 'request failed');
  return { status: 500, code: 'HC_INTERNAL', message: 'internal error', details: undefined };
}
