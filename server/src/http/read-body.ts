import type { Context } from 'koa';
import { HotconfError } from '../errors.js';
import { lingerOnClose } from './lingering-close.js';

/** Largest request body any route accepts. */
export const MAX_BODY_BYTES = 1 << 20;

/**
 * Reads the raw request body, refusing more than `limit` bytes (413) before reading them
 * all. Raw bytes, because webhook signatures are computed over exactly what was sent.
 */
export async function readBody(ctx: Context, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const tooLarge = () =>
    new HotconfError(413, 'HC_BODY_TOO_LARGE', `request bodies may be at most ${limit} bytes`);
  const declared = Number(ctx.get('Content-Length') || '0');
  if (declared > limit) {
    refuseRest(ctx);
    throw tooLarge();
  }
  const req = ctx.req;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // Keep draining (and dropping) the rest rather than destroying the socket, so the
      // client reads the 413 instead of a connection reset.
      done();
      req.resume();
      refuseRest(ctx);
      reject(tooLarge());
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/**
 * The connection ends after the 413, but only once the client has finished sending (within
 * bounds): closing on a client that is still sending resets the connection, and the client
 * then sees `ECONNRESET` instead of the answer.
 */
function refuseRest(ctx: Context): void {
  ctx.set('Connection', 'close');
  lingerOnClose(ctx.req);
}

/** Parses a JSON body; 400 HC_BAD_REQUEST when it is not JSON. */
export function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HotconfError(400, 'HC_BAD_REQUEST', 'the request body is not valid JSON');
  }
}
