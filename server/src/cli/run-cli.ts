import { serveCommand } from './serve-command.js';

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
`;

/** Runs one CLI command and returns its exit code (0 ok, 1 failure, 2 usage). */
export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(rest);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`hotconf: unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof TypeError && error.message) {
      process.stderr.write(`hotconf: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`hotconf: ${(error as Error).message}\n`);
    return 1;
  }
}
