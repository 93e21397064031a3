import type { ConfigObject } from '@hotconf/client';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { flatten, toProperties } from '../config/flatten.js';
import { UsageError, type Command } from './command.js';
import { getJson, targetOf, type Target } from './server-get.js';

const FORMATS = ['json', 'yaml', 'properties', 'env'] as const;
type Format = (typeof FORMATS)[number];

const COMMON = {
  server: { type: 'string' },
  token: { type: 'string' },
  label: { type: 'string' },
} as const;

/** `<service> <profiles>` from the positionals; profiles default to `default`. */
function documentOf(positionals: string[], usage: string): { service: string; profiles: string } {
  const [service, profiles = 'default', ...extra] = positionals;
  if (!service || extra.length > 0) throw new UsageError(`usage: ${usage}`);
  return { service, profiles };
}

function documentPath(
  kind: string,
  service: string,
  profiles: string,
  query: Record<string, string | undefined>,
): string {
  const params = new URLSearchParams(
    Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const qs = params.toString();
  return `/v1/${kind}/${encodeURIComponent(service)}/${encodeURIComponent(profiles)}${qs ? `?${qs}` : ''}`;
}

/** `hotconf get <service> <profiles> [--label L] [--format json|yaml|properties|env]`: the served config. */
export const getCommand: Command = async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...COMMON, format: { type: 'string', default: 'json' } },
    allowPositionals: true,
  });
  const { service, profiles } = documentOf(
    positionals,
    'hotconf get <service> <profiles> [--label L] [--format json|yaml|properties|env]',
  );
  const format = values.format as Format;
  if (!FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${values.format}"`);
  const body = (await getJson(
    targetOf(values),
    documentPath('config', service, profiles, { label: values.label }),
  )) as { config: ConfigObject };
  process.stdout.write(render(body.config, format));
  return 0;
};

/**
 * What `hotconf get` says when the server refuses a document (401, 403, 404…): other
 * commands that meet the same refusal say the same sentence.
 */
export async function explainRefusal(
  target: Target,
  service: string,
  profiles: string[],
  label: string | undefined,
): Promise<string> {
  try {
    await getJson(target, documentPath('config', service, profiles.join(','), { label }));
    return 'the server refused the request, then accepted it: try again';
  } catch (error) {
    return (error as Error).message;
  }
}

/** The config in one of `get`'s formats. `env` is `KEY=value` lines, quoted for a shell. */
export function render(config: ConfigObject, format: Format): string {
  if (format === 'json') return `${JSON.stringify(config, null, 2)}\n`;
  if (format === 'yaml') return stringify(config, { aliasDuplicateObjects: false });
  if (format === 'properties') return toProperties(config);
  return Object.entries(flatten(config))
    .map(([key, value]) => `${envName(key)}=${shellQuote(String(value ?? ''))}\n`)
    .sort()
    .join('');
}

/** Spring's relaxed binding, reversed: `db.pool-size` → `DB_POOLSIZE`, `hosts[0]` → `HOSTS_0`. */
export function envName(key: string): string {
  return key
    .replace(/\[(\d+)\]/g, '_$1')
    .replaceAll('-', '')
    .replace(/[^A-Za-z0-9_]/g, '_')
    .toUpperCase();
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+,-]*$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

interface HistoryBody {
  commits: { id: string; author: string; time: string; message: string; changedKeys: string[] }[];
}

/** `hotconf history <service> <profiles> [--limit N] [--label L] [--json]`: who changed what, newest first. */
export const historyCommand: Command = async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...COMMON, limit: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const { service, profiles } = documentOf(
    positionals,
    'hotconf history <service> <profiles> [--limit N] [--label L] [--json]',
  );
  const body = (await getJson(
    targetOf(values),
    documentPath('history', service, profiles, { limit: values.limit, label: values.label }),
  )) as HistoryBody;
  if (values.json) {
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return 0;
  }
  if (body.commits.length === 0) process.stdout.write('no commit changed this document\n');
  for (const c of body.commits) {
    process.stdout.write(`${c.id.slice(0, 10)}  ${c.time}  ${c.author}  ${c.message}\n`);
    process.stdout.write(`            ${c.changedKeys.join(', ')}\n`);
  }
  return 0;
};

type Flat = string | number | boolean | null;
interface DiffBody {
  added: Record<string, Flat>;
  removed: Record<string, Flat>;
  changed: Record<string, { from: Flat; to: Flat }>;
}

/** `hotconf diff <service> <profiles> --from REV --to REV [--json]`: `+` added, `-` removed, `~` changed. */
export const diffCommand: Command = async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      server: COMMON.server,
      token: COMMON.token,
      from: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const usage = 'hotconf diff <service> <profiles> --from REV --to REV [--json]';
  const { service, profiles } = documentOf(positionals, usage);
  if (!values.from || !values.to)
    throw new UsageError(`--from and --to are required; usage: ${usage}`);
  const body = (await getJson(
    targetOf(values),
    documentPath('diff', service, profiles, { from: values.from, to: values.to }),
  )) as DiffBody;
  if (values.json) {
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return 0;
  }
  const show = (v: Flat) => JSON.stringify(v);
  const lines = [
    ...Object.entries(body.added).map(([k, v]) => `+ ${k}: ${show(v)}`),
    ...Object.entries(body.removed).map(([k, v]) => `- ${k}: ${show(v)}`),
    ...Object.entries(body.changed).map(([k, v]) => `~ ${k}: ${show(v.from)} -> ${show(v.to)}`),
  ];
  process.stdout.write(lines.length === 0 ? 'no difference\n' : `${lines.join('\n')}\n`);
  return 0;
};
