/** One CLI command: takes its arguments, returns an exit code (0 ok, 1 failure, 2 usage). */
export type Command = (argv: string[]) => Promise<number>;

const USAGE = `usage: hotconf <command> [options]

commands:
  serve                       serve the config repository (settings: HOTCONF_* or --flags)
  validate [path] [--ref REF] [--json]
                              check every document offline; exit 1 on problems
  get <service> <profiles>    print a document   [--label L] [--format json|yaml|properties|env]
  watch <service> <profiles>  print each change as it arrives   [--server URL]
  encrypt [value]             encrypt a value with HOTCONF_ENCRYPT_KEY (value or stdin)
  types [--out dir]           generate TypeScript interfaces from the schemas
  history <service> <profiles> [--limit N]
  diff <service> <profiles> --from REV --to REV
  canary promote <service> <profile> [path]
                              fold a finished canary into the document's own file

client commands (get, watch, history, diff) take --server URL (default $HOTCONF_SERVER or
http://127.0.0.1:8888) and --token (default $HOTCONF_TOKEN).
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
  canary: async () => (await import('./canary-command.js')).canaryCommand,
};

/** Thrown by a command for a usage mistake: printed with the usage, exit 2. */
export class UsageError extends Error {}

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
