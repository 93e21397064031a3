import { settingsHelp } from '../settings.js';

/** One flag as `--help` shows it. */
interface FlagHelp {
  flag: string;
  /** Placeholder of its value; none for a switch. */
  value?: string;
  /** The `HOTCONF_*` variable it overrides, if any. */
  env?: string;
  /** What it does, with its default. */
  help: string;
}

/** What `hotconf <command> --help` prints. */
interface CommandHelp {
  usage: string;
  summary: string;
  flags: FlagHelp[];
}

/** The flags every client command (get, watch, history, diff) shares. */
const CLIENT_FLAGS: FlagHelp[] = [
  {
    flag: 'server',
    value: 'URL',
    env: 'HOTCONF_SERVER',
    help: 'the hotconf server (default http://127.0.0.1:8888)',
  },
  {
    flag: 'token',
    value: 'TOKEN',
    env: 'HOTCONF_TOKEN',
    help: 'bearer token (default none; empty means none)',
  },
  { flag: 'label', value: 'LABEL', help: "branch, tag or commit (default the server's)" },
];

/** `hotconf serve`'s flags: generated from the settings table, never copied from it. */
function serveFlags(): FlagHelp[] {
  return settingsHelp().map((s) => ({
    flag: s.flag,
    value: s.kind === 'boolean' ? 'true|false' : s.kind === 'number' ? 'N' : 'VALUE',
    env: s.env,
    help: s.default === undefined ? 'default: none' : `default: ${s.default}`,
  }));
}

/** Help of every command, by name. */
export const COMMAND_HELP: Record<string, () => CommandHelp> = {
  serve: () => ({
    usage: 'hotconf serve [--flag value]…',
    summary:
      'Serves the config repository. Each setting is a HOTCONF_* variable or a flag; the flag wins.',
    flags: serveFlags(),
  }),
  validate: () => ({
    usage: 'hotconf validate [path] [--ref REF] [--json] [--skip-encrypted]',
    summary:
      'Checks every document offline, as the server judges it: the working tree at path (default: the repository serve would serve, HOTCONF_REPO or ./config-repo), or commit REF of it. {cipher} values need HOTCONF_ENCRYPT_KEY to be checked. Exit 0 all valid, 1 a problem (an unchecked {cipher} value included), 2 usage.',
    flags: [
      { flag: 'ref', value: 'REF', help: 'check this commit instead of the working tree' },
      { flag: 'json', help: 'print the result as JSON' },
      {
        flag: 'require-schema',
        env: 'HOTCONF_REQUIRE_SCHEMA',
        help: 'a service without a schema is a problem',
      },
      {
        flag: 'search-path',
        value: 'LIST',
        env: 'HOTCONF_SEARCH_PATH',
        help: 'folders searched besides the top level: {application}, {profile}, {label}, *',
      },
      {
        flag: 'skip-encrypted',
        help: 'without a key, accept {cipher} values unchecked (counted in the summary) instead of failing',
      },
      {
        flag: 'encrypt-key',
        value: 'KEY',
        env: 'HOTCONF_ENCRYPT_KEY',
        help: 'set the variable: the key that decrypts {cipher} values',
      },
    ],
  }),
  get: () => ({
    usage: 'hotconf get <service> [profiles] [--format json|yaml|properties|env]',
    summary: 'Prints one document from a running server.',
    flags: [...CLIENT_FLAGS, { flag: 'format', value: 'FORMAT', help: 'default json' }],
  }),
  watch: () => ({
    usage: 'hotconf watch <service> [profiles] [--json]',
    summary:
      'Prints a document, then each change as it arrives, reconnecting while the server is away (it is built on @hotconf/client). Stops with exit 1 when the token is refused or revoked.',
    flags: [...CLIENT_FLAGS, { flag: 'json', help: 'one JSON object per line' }],
  }),
  history: () => ({
    usage: 'hotconf history <service> [profiles] [--limit N]',
    summary: 'Lists the commits that changed a document, newest first.',
    flags: [...CLIENT_FLAGS, { flag: 'limit', value: 'N', help: 'at most N entries' }],
  }),
  diff: () => ({
    usage: 'hotconf diff <service> [profiles] --from REV --to REV',
    summary: 'Shows what changed in a document between two commits.',
    flags: [
      ...CLIENT_FLAGS,
      { flag: 'from', value: 'REV', help: 'older commit or label' },
      { flag: 'to', value: 'REV', help: 'newer commit or label' },
    ],
  }),
  encrypt: () => ({
    usage: 'hotconf encrypt [value] [--service S]',
    summary: 'Prints {cipher}… for the value (argument, or stdin to keep it out of shell history).',
    flags: [
      {
        flag: 'encrypt-key',
        value: 'KEY',
        env: 'HOTCONF_ENCRYPT_KEY',
        help: 'set the variable: base64 of 32 bytes (required)',
      },
      { flag: 'service', value: 'S', help: 'bind the value to service S: it decrypts only there' },
    ],
  }),
  fleet: () => ({
    usage: 'hotconf fleet [service [profiles]] [--wait COMMIT [--timeout 60s]]',
    summary:
      'Without a service: one line per document — how many online instances applied what is published, failed it, or hold an older document. With a service: one line per instance. With --wait: a deploy gate, exit 0 when every online instance applied COMMIT’s document or a later one, 1 as soon as one failed (named, with its error), 2 on timeout (the missing named).',
    flags: [
      ...CLIENT_FLAGS,
      {
        flag: 'state',
        value: 'S',
        help: 'only instances online, offline, applied, failed or older',
      },
      { flag: 'json', help: "print the server's JSON instead of a table" },
      { flag: 'wait', value: 'COMMIT', help: 'wait until every online instance applied COMMIT' },
      { flag: 'timeout', value: 'T', help: 'how long --wait waits: 90s, 5m, 500ms (default 60s)' },
    ],
  }),
  canary: () => ({
    usage: 'hotconf canary promote <service> <profile> [path]',
    summary:
      'Folds the overlay of {service}-{profile}.canary.yml (or .canary.properties) into the document’s own file beside it ({service}-{profile}.yml, .json or .properties, keeping its comments and key order) and deletes the canary file, in the working tree at path. Review with git diff, then commit: git stays the only place intent lives. Deleting the canary file instead is the rollback.',
    flags: [
      {
        flag: 'repo',
        value: 'DIR',
        env: 'HOTCONF_REPO',
        help: 'set the variable (or give path): the repository (default ./config-repo)',
      },
    ],
  }),
  types: () => ({
    usage: 'hotconf types [--out DIR] [--repo DIR]',
    summary: 'Writes TypeScript interfaces (OrdersConfig, …) from the repository’s schemas.',
    flags: [
      { flag: 'out', value: 'DIR', help: 'where to write (default ./types, ignored by git)' },
      {
        flag: 'repo',
        value: 'DIR',
        env: 'HOTCONF_REPO',
        help: 'the repository (default ./config-repo)',
      },
      {
        flag: 'search-path',
        value: 'LIST',
        env: 'HOTCONF_SEARCH_PATH',
        help: 'ignored: schemas are read from schemas/ at the top level',
      },
    ],
  }),
};

/** The text `hotconf <name> --help` prints, or undefined for a command without help. */
export function formatHelp(name: string): string | undefined {
  const help = COMMAND_HELP[name]?.();
  if (!help) return undefined;
  const rows = help.flags.map((f) => {
    // "set the variable" rows have no flag of their own: only the variable is shown.
    const left = f.help.startsWith('set the variable')
      ? (f.env as string)
      : `--${f.flag}${f.value ? ` ${f.value}` : ''}${f.env ? `  (${f.env})` : ''}`;
    return [left, f.help.replace(/^set the variable: /, '')] as const;
  });
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  const lines = rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
  return `usage: ${help.usage}\n\n${help.summary}\n\noptions:\n${lines.join('\n')}\n  --help${' '.repeat(Math.max(0, width - 6))}  this help\n`;
}
