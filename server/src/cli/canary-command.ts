import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ConfigObject } from '@hotconf/client';
import { checkService, parseProfiles } from '../config/names.js';
import { canaryStem } from '../rollout/canary-file.js';
import { mergeDocuments } from '../config/merge.js';
import { parseCanaryYaml } from '../rollout/canary-file.js';
import { parseCanaryProperties } from '../rollout/canary-properties.js';
import { foldIntoYaml } from '../rollout/fold-overlay.js';
import { foldIntoProperties } from '../rollout/fold-properties.js';
import { UsageError, type Command } from './command.js';

/** Folders never searched for a canary file. */
const SKIP = new Set(['.git', 'node_modules', '.hotconf']);

/** `hotconf canary promote <service> <profile> [path]`: exit 0 done, 1 refused, 2 usage. */
export const canaryCommand: Command = async (argv) => {
  const { positionals } = parseArgs({
    args: argv,
    options: {},
    allowPositionals: true,
    strict: true,
  });
  const [action, service, profile, dir, ...extra] = positionals;
  if (action !== 'promote' || service === undefined || profile === undefined || extra.length > 0) {
    throw new UsageError('expected: canary promote <service> <profile> [path]');
  }
  checkService(service);
  if (parseProfiles(profile).length !== 1 || profile.includes(',')) {
    throw new UsageError('a rollout is of one profile: name exactly one');
  }
  const root = path.resolve(dir ?? (process.env.HOTCONF_REPO || './config-repo'));
  const stem = `${service}-${profile}`;

  const found = await findFiles(root, (name) => canaryStem(name) === stem);
  if (found.length === 0) throw new Error(`no ${stem}.canary.yml in ${dir ?? 'the repository'}`);
  if (found.length > 1) {
    throw new Error(
      `more than one canary file for ${stem}: ${found.map((f) => path.relative(root, f)).join(', ')}`,
    );
  }
  const canaryPath = found[0] as string;
  const canaryName = path.relative(root, canaryPath);
  // A .properties canary's values are text: they fold into a .properties file only.
  const flat = canaryPath.endsWith('.properties');
  const text = await readFile(canaryPath, 'utf8');
  const parsed = flat ? parseCanaryProperties(canaryName, text) : parseCanaryYaml(canaryName, text);
  if (!parsed.ok) {
    for (const problem of parsed.problems) process.stderr.write(`${problem.message}\n`);
    return 1;
  }
  const target = await documentFile(path.dirname(canaryPath), stem, flat ? '.properties' : '.yml');
  const targetName = path.relative(root, target.file);
  if (flat && !target.file.endsWith('.properties')) {
    throw new Error(
      `${canaryName} holds text values; ${targetName} is not a .properties file: fold it by hand`,
    );
  }
  const overlay = parsed.plan.overlay;
  let folded: string;
  try {
    folded = target.file.endsWith('.json')
      ? JSON.stringify(mergeDocuments([overlay, parseJson(target.text)]), null, 2) + '\n'
      : target.file.endsWith('.properties')
        ? foldIntoProperties(target.text, overlay)
        : foldIntoYaml(target.text, overlay);
  } catch (error) {
    throw new Error(`${targetName}: ${(error as Error).message}`);
  }
  await writeFile(target.file, folded);
  await rm(canaryPath);
  process.stdout.write(
    `folded ${canaryName} into ${targetName} and removed ${canaryName}\n` +
      `review with git diff, then commit both changes\n`,
  );
  return 0;
};

/** The document's own file beside the canary file; a new one (`fresh`'s kind) when it has none. */
async function documentFile(
  folder: string,
  stem: string,
  fresh: '.yml' | '.properties',
): Promise<{ file: string; text: string }> {
  for (const ext of ['.yml', '.yaml', '.json', '.properties']) {
    const file = path.join(folder, stem + ext);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) return { file, text };
  }
  return { file: path.join(folder, stem + fresh), text: '' };
}

function parseJson(text: string): ConfigObject {
  try {
    return JSON.parse(text) as ConfigObject;
  } catch {
    throw new Error('the document file is not valid JSON; fix it before promoting');
  }
}

async function findFiles(dir: string, match: (name: string) => boolean): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => {
    throw new UsageError(`${dir} is not a folder`);
  });
  const out: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory()) {
      if (!SKIP.has(entry.name)) out.push(...(await findFiles(path.join(dir, entry.name), match)));
    } else if (match(entry.name)) {
      out.push(path.join(dir, entry.name));
    }
  }
  return out;
}
