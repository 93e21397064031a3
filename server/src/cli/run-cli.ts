import { UsageError, type Command } from './command.js';
import { formatHelp } from './command-help.js';

// Kept for command files written before `command.ts` existed; new ones import from there.

const USAGE = `usage: hotconf <command> [options]

commands:
  serve                       serve the config repository (settings: HOTCONF_* or --flags)
  validate [path] [--ref REF] [--json]
                              check every document offline; exit 1 on problems
  get <service> <profiles>    print a document   [--label L] [--format json|yaml|properties|env]
  watch <service> <profiles>  print each change as it arrives   [--server URL]
  encrypt [value]             encrypt a value with HOTCONF_ENCRYPT_KEY (value or stdin)
                              [--service S]: it then decrypts only in S's documents
  types [--out dir]           generate TypeScript interfaces from the schemas
  history <service> <profiles> [--limit N]
  diff <service> <profiles> --from REV --to REV
  fleet [service [profiles]] [--wait COMMIT [--timeout 60s]]
                              instances online and what they applied; --wait gates a deploy
  canary promote <service> <profile> [path]
                              fold a finished canary into the document's own file

client commands (get, watch, history, diff) take --server URL (default $HOTCONF_SERVER or
http://127.0.0.1:8888) and --token (default $HOTCONF_TOKEN).
hotconf <command> --help describes a command, its flags and their HOTCONF_* variables.
`;

/** Commands are loaded on use, so `hotconf validate` does not pay for the server's modules. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve-command.js')).serveCommand,
  validate: async () => (await import('./validate-command.js')).validateCommand,
  watch: async () => (await import('./watch-command.js')).watchCommand,
  get: async () => (await import('./client-commands.js')).getCommand,
  history: async () => (await import('./client-commands.js')).historyCommand,
  diff: async () => (await import('./client-commands.js')).diffCommand,
  encrypt: async () => (await import('./encrypt-command.js')).encryptCommand,
  types: async () => (await import('./types-cli.js')).typesCommand,
  fleet: async () => (await import('./fleet-command.js')).fleetCommand,
  canary: async () => (await import('./canary-command.js')).canaryCommand,
};

/** Runs one CLI command and returns its exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`hotconf: unknown command "${name}"\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    // A command without its own help entry still answers, with its lines of the usage.
    const lines = USAGE.split('\n').filter((line) => line.startsWith(`  ${name} `));
    process.stdout.write(formatHelp(name) ?? `usage:\n${lines.join('\n')}\n`);
    return 0;
  }
  try {
    return await (
      await load()
    )(rest);
  } catch (error) {
    const usage =
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`hotconf ${name}: ${(error as Error).message}\n`);
    return usage || error instanceof TypeError ? 2 : 1;
  }
}
