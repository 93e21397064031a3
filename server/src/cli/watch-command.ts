import { parseArgs } from 'node:util';
import { connect, type ConfigObject, type HotconfClient } from '@hotconf/client';
import { checkService, parseProfiles } from '../config/names.js';
import { flatten } from '../config/flatten.js';
import { explainRefusal } from './client-commands.js';
import { UsageError, type Command } from './command.js';

/** Long enough to mean "until the server is back": a watcher is started by hand and stopped by hand. */
const BOOT_TIMEOUT_MS = 365 * 24 * 3600 * 1000;

/**
 * `hotconf watch <service> [profiles] [--server URL] [--label L] [--token T] [--json]`:
 * a `tail -f` for config, built on `@hotconf/client` (its back-off, resume by etag and
 * token handling). Prints the document once, then each change with its keys and new
 * values, until interrupted (exit 0) or the token is refused or revoked (exit 1, with the
 * message `hotconf get` prints).
 */
export const watchCommand: Command = async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      label: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length < 1 || positionals.length > 2)
    throw new UsageError('usage: hotconf watch <service> [profiles] [--server URL]');
  const service = checkService(positionals[0] as string);
  const profiles = parseProfiles(positionals[1]);
  const server = (values.server ?? process.env.HOTCONF_SERVER ?? 'http://127.0.0.1:8888').replace(
    /\/+$/,
    '',
  );
  if (!/^https?:\/\//.test(server)) throw new UsageError('--server must be an http(s) URL');
  const token = values.token ?? (process.env.HOTCONF_TOKEN || undefined);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const warn = (line: string) => process.stderr.write(`hotconf watch: ${line}\n`);
  const at = () => new Date().toISOString();

  let cfg: HotconfClient;
  try {
    cfg = await connect({
      server,
      service,
      profiles,
      label: values.label,
      token,
      bootTimeoutMs: BOOT_TIMEOUT_MS,
      retry: { minDelayMs: 200, maxDelayMs: 10_000 },
      // Show what the server serves, not this shell's environment.
      resolvePlaceholders: false,
      logger: { warn },
    });
  } catch (error) {
    const status = (error as { status?: number }).status;
    // The same sentence `hotconf get` prints for the same refusal.
    if (status !== undefined)
      throw new Error(await explainRefusal({ server, token }, service, profiles, values.label));
    throw error;
  }

  if (values.json) {
    print(
      JSON.stringify({
        at: at(),
        type: 'snapshot',
        version: cfg.version,
        etag: cfg.etag,
        config: cfg.config,
      }),
    );
  } else {
    print(`${at()} ${service} [${profiles}] version ${cfg.version.slice(0, 12)}`);
    for (const [k, v] of Object.entries(flatten(cfg.config)))
      print(`  ${k} = ${JSON.stringify(v)}`);
  }
  cfg.on('change', ({ config, changedKeys, version, etag }) => {
    if (values.json) {
      print(JSON.stringify({ at: at(), type: 'change', version, etag, config, changedKeys }));
      return;
    }
    print(`${at()} change → ${version.slice(0, 12)}: ${changedKeys.join(', ')}`);
    printChanged(print, config, changedKeys);
  });
  cfg.on('disconnected', ({ retryInMs }) => warn(`connection lost; retrying in ${retryInMs} ms`));
  cfg.on('connected', ({ version }) => warn(`live at ${version.slice(0, 12)}`));

  return new Promise<number>((resolve) => {
    const stop = (code: number) => {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      void cfg.close().then(() => resolve(code));
    };
    const onSignal = () => stop(0);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    cfg.on('error', (error) => {
      const code = (error as { code?: string }).code;
      if (code === 'HC_UNAUTHORIZED' || code === 'HC_FORBIDDEN') {
        warn(error.message.replace(/^hotconf: /, ''));
        stop(1);
      } else if (!values.json) print(`${at()} error ${code}: ${error.message}`);
    });
  });
};

/** The new values under each changed key, or `(removed)`. */
function printChanged(print: (line: string) => void, config: ConfigObject, keys: string[]): void {
  const flat = Object.entries(flatten(config));
  for (const key of keys) {
    const shown = flat.filter(
      ([k]) => k === key || k.startsWith(`${key}.`) || k.startsWith(`${key}[`),
    );
    if (shown.length === 0) print(`  ${key} (removed)`);
    for (const [k, v] of shown) print(`  ${k} = ${JSON.stringify(v)}`);
  }
}
