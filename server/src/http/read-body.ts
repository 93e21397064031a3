import type { Context } from 'koa';
import { HotconfError } from '../errors.js';

/** Largest request body any route accepts. */
export const MAX_BODY_BYTES = 1 << 20;

/**
 * Reads the raw request body, refusing more than `limit` bytes (413) before reading them
 * all. Raw bytes, because webhook signatures are computed over exactly what was sent.
 */
export async function readBody(ctx: Context, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(ctx.get('Content-Length') || '0');
  if (declared > limit) throw new HotconfError(413, 'HC_BODY_TOO_LARGE', `request bodies may be at most ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      ctx.req.destroy();
      throw new HotconfError(413, 'HC_BODY_TOO_LARGE', `request bodies may be at most ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON body; 400 HC_BAD_REQUEST when it is not JSON. */
export function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HotconfError(400, 'HC_BAD_REQUEST', 'the request body is not valid JSON');
  }
}
