import { parseArgs } from 'node:util';
import { createServer } from '../create-server.js';
import { createLogger, flushLogger } from '../logger.js';
import { loadSettings, SETTING_FLAGS } from '../settings.js';

/** `hotconf serve`: runs until SIGTERM/SIGINT, then shuts down gracefully. */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: SETTING_FLAGS,
    allowPositionals: false,
    strict: true,
  });
  const settings = loadSettings(process.env, values);
  const logger = createLogger(settings.logLevel, settings.replicaId);
  const server = createServer({ ...settings, logger });
  try {
    await server.listen();
  } catch (error) {
    logger.fatal({ reason: (error as Error).message }, 'hotconf could not start');
    process.stderr.write(`hotconf: could not start: ${(error as Error).message}\n`);
    await server.close().catch(() => undefined);
    await flushLogger(logger);
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      const hard = setTimeout(() => process.exit(1), 8000);
      hard.unref();
      server
        .close()
        .catch(() => undefined)
        .then(() => flushLogger(logger))
        .then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
