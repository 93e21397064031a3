import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../server/src/logger.js';

/** A JSON Schema for `orders`: the pool size must be an integer from 1 to 500. */
export const ORDERS_SCHEMA = JSON.stringify({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    db: {
      type: 'object',
      properties: { pool: { type: 'object', properties: { max: { type: 'integer', minimum: 1, maximum: 500 } } } },
    },
  },
});

/** Retries `check` until it stops throwing, or rethrows its last error after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** A real pino logger writing JSON lines into memory, parsed on demand. */
export class CapturedLog {
  readonly text: string[] = [];
  readonly logger: Logger;

  constructor(level = 'info') {
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.text.push(chunk.toString('utf8'));
        done();
      },
    });
    this.logger = pino({ level, base: { replica: 'log-test' } }, sink);
  }

  /** Every line written so far, each parsed as JSON (throws if one is not). */
  lines(): Record<string, unknown>[] {
    return this.text
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** The lines whose `msg` starts with `prefix`. */
  withMessage(prefix: string): Record<string, unknown>[] {
    return this.lines().filter((l) => typeof l.msg === 'string' && l.msg.startsWith(prefix));
  }
}
