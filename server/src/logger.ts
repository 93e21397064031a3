import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/** JSON logs, one line per event (pino). `replica` is on every line. */
export function createLogger(level: string, replica: string): Logger {
  return pino({ level, base: { replica }, timestamp: pino.stdTimeFunctions.isoTime });
}
