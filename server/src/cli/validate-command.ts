import { access } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigResolver, type SecretDecoder } from '../config/config-resolver.js';
import { SearchPath } from '../config/search-paths.js';
import { snapshotFiles } from '../config/snapshot-files.js';
import { checkLabel } from '../config/names.js';
import { workingTreeSnapshot } from '../config/working-tree-snapshot.js';
import { Repository } from '../git/repository.js';
import { checkSnapshot, type DocumentCheck } from '../schema/check-snapshot.js';
import { SchemaGate } from '../schema/schema-gate.js';
import { createSecretBox } from '../secrets/secret-box.js';
import { loadSettings } from '../settings.js';
import { UsageError, type Command } from './command.js';

/**
 * `hotconf validate [path] [--ref REF] [--json] [--skip-encrypted]`: the gate's checks,
 * offline, over every service and profile. Default: the working tree at `path` (uncommitted
 * edits included, so it runs as a pre-commit hook), `path` defaulting to the repository
 * `serve` would serve; `--ref`: that commit of the repository `path` is in. Without
 * `HOTCONF_ENCRYPT_KEY` a `{cipher}` value is a problem, as on the server, unless
 * `--skip-encrypted`. Exit 0 when all pass, 1 with one line per problem, 2 on usage error.
 */
export const validateCommand: Command = async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ref: { type: 'string' },
      json: { type: 'boolean' },
      'require-schema': { type: 'boolean' },
      'search-path': { type: 'string' },
      'skip-encrypted': { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 1) throw new UsageError('validate takes at most one path');
  // Default: the repository `hotconf serve` would serve (HOTCONF_REPO, else ./config-repo).
  const given = positionals[0] ?? loadSettings(process.env, {}).repo;
  const searchPath = readSearchPath(values['search-path']);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given) || /^[^/]+@[^/:]+:/.test(given))
    throw new UsageError(
      `${given} is a remote repository; validate a local clone: hotconf validate <path>`,
    );
  const dir = path.resolve(given);
  await access(dir).catch(() => {
    throw new UsageError(`${given} does not exist`);
  });
  const requireSchema =
    values['require-schema'] ?? /^(true|1|yes)$/i.test(process.env.HOTCONF_REQUIRE_SCHEMA ?? '');
  // The server's judgement: without a key a {cipher} value cannot be checked, and is a
  // problem. --skip-encrypted accepts it as the opaque string it is in git, and counts it.
  const env = process.env;
  const box = createSecretBox({
    encryptKey: env.HOTCONF_ENCRYPT_KEY || undefined,
    springEncryptKey: env.HOTCONF_SPRING_ENCRYPT_KEY || undefined,
    springEncryptSalt: env.HOTCONF_SPRING_ENCRYPT_SALT || undefined,
    springRsaSalt: env.HOTCONF_SPRING_RSA_SALT || undefined,
    springKeysDir: env.HOTCONF_SPRING_KEYS_DIR || undefined,
  });
  const keyless = !env.HOTCONF_ENCRYPT_KEY && !env.HOTCONF_SPRING_ENCRYPT_KEY && !box.hasSpringKeys;
  const unchecked = new Set<string>();
  const secrets: SecretDecoder =
    keyless && values['skip-encrypted']
      ? {
          isSecret: (value) => box.isSecret(value),
          decode: (value, site) => {
            unchecked.add(`${site.file}: ${site.path}`);
            return value;
          },
        }
      : box;

  let checks: DocumentCheck[];
  let where: string;
  if (values.ref !== undefined) {
    const ref = checkLabelForCli(values.ref);
    const repository = await Repository.open({
      repo: dir,
      cacheDir: path.join(dir, '.hotconf'),
      files: snapshotFiles(searchPath),
      logger: pino({ level: 'silent' }),
    });
    try {
      const commit = await repository.resolveLabel(ref);
      if (!commit) throw new UsageError(`ref ${ref} does not exist`);
      const readBlob = (oid: string) => repository.readBlob(oid);
      const snapshot = await repository.snapshot(commit);
      checks = await checkSnapshot(
        snapshot,
        new ConfigResolver({ readBlob, secrets, searchPath }),
        new SchemaGate({ readBlob, requireSchema }),
        ref,
      );
      where = `${ref} (${commit.slice(0, 12)})`;
    } finally {
      repository.close();
    }
  } else {
    const { snapshot, readBlob } = await workingTreeSnapshot(dir, searchPath);
    checks = await checkSnapshot(
      snapshot,
      new ConfigResolver({ readBlob, secrets, searchPath }),
      new SchemaGate({ readBlob, requireSchema }),
    );
    where = 'the working tree';
  }

  const failed = checks.filter((c) => !c.ok);
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ ok: failed.length === 0, documents: checks }, null, 2)}\n`,
    );
  } else {
    for (const line of problemLines(failed)) process.stdout.write(`${line}\n`);
    const unvalidated = new Set(checks.filter((c) => c.ok && !c.validated).map((c) => c.service));
    const summary = `${checks.length - failed.length} of ${checks.length} documents valid in ${where}`;
    const note = unvalidated.size > 0 ? `; no schema for ${[...unvalidated].join(', ')}` : '';
    const skipped =
      unchecked.size > 0
        ? `; ${unchecked.size} {cipher} value(s) not checked (no HOTCONF_ENCRYPT_KEY)`
        : '';
    (failed.length ? process.stderr : process.stdout).write(`${summary}${note}${skipped}\n`);
    if (keyless && failed.some((c) => c.problems.some((p) => ENCRYPTED.test(p.message))))
      process.stderr.write(
        'hotconf validate: {cipher} values cannot be checked without the key: set HOTCONF_ENCRYPT_KEY (or pass --skip-encrypted to accept them unchecked)\n',
      );
  }
  return failed.length === 0 ? 0 : 1;
};

/** The resolver's sentence for a {cipher} value it had no key for. */
const ENCRYPTED = /is encrypted but the server has no HOTCONF_ENCRYPT_KEY/;

function checkLabelForCli(ref: string): string {
  try {
    return checkLabel(ref);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** One line per distinct problem, naming the documents it breaks. */
function problemLines(failed: DocumentCheck[]): string[] {
  const byMessage = new Map<string, { service: string; profiles: string[] }>();
  for (const check of failed) {
    for (const problem of check.problems) {
      const key = `${check.service}\0${problem.message}`;
      const seen = byMessage.get(key);
      if (seen) seen.profiles.push(check.profiles.join(','));
      else byMessage.set(key, { service: check.service, profiles: [check.profiles.join(',')] });
    }
  }
  return [...byMessage].map(
    ([key, { service, profiles }]) => `${service} [${profiles.join(', ')}]: ${key.split('\0')[1]}`,
  );
}

/** `--search-path`, else HOTCONF_SEARCH_PATH, checked as the server checks it. */
function readSearchPath(flag: string | undefined): SearchPath {
  try {
    return flag !== undefined
      ? SearchPath.parse(flag, '--search-path')
      : SearchPath.parse(process.env.HOTCONF_SEARCH_PATH);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
