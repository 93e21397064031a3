import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/**
 * JSON logs, one line per event (pino), `replica` on every line. Written asynchronously:
 * under load, lines written while a write is in flight go out together in one syscall
 * instead of one each. `flushLogger` before exit so the last lines are not lost.
 */
export function createLogger(level: string, replica: string): Logger {
  return pino(
    { level, base: { replica }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: 1, sync: false }),
  );
}

/** Writes out whatever the logger still holds. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
