import { NAME_PATTERN, RESERVED_NAMES } from '@hotconf/client';
import { parseArgs } from 'node:util';
import { createSecretBox } from '../secrets/secret-box.js';
import { UsageError, type Command } from './command.js';

/** Largest value read from stdin: a secret, not a file. */
const MAX_STDIN_BYTES = 64 * 1024;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new UsageError(
      'give the value as an argument or on stdin (echo -n "$SECRET" | hotconf encrypt)',
    );
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_STDIN_BYTES)
      throw new UsageError(`the value on stdin may be at most ${MAX_STDIN_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  // `echo secret | hotconf encrypt` adds a newline that is not part of the secret.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/**
 * `hotconf encrypt [value]`: prints `{cipher}…` for the value (argument, or stdin — which
 * keeps it out of shell history) under `HOTCONF_ENCRYPT_KEY`; `--service orders` binds it to
 * that service (it then decrypts only in orders's documents, DESIGN §7). Exit 2 without a key or
 * with a key that is not base64 of 32 bytes.
 */
export const encryptCommand: Command = async (argv) => {
  const { positionals, values } = parseArgs({
    args: argv,
    options: { service: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 1)
    throw new UsageError('encrypt takes one value; quote it if it has spaces');
  const key = process.env.HOTCONF_ENCRYPT_KEY;
  if (!key)
    throw new UsageError(
      'HOTCONF_ENCRYPT_KEY is not set (base64 of 32 bytes: openssl rand -base64 32)',
    );
  const service = values.service;
  if (service !== undefined && (!NAME_PATTERN.test(service) || RESERVED_NAMES.has(service)))
    throw new UsageError(
      `--service ${JSON.stringify(service.slice(0, 64))} is not a valid service name`,
    );
  const encrypt = createSecretBox({ encryptKey: key }).encrypt as (
    plain: string,
    service?: string,
  ) => string;
  const value = positionals[0] ?? (await readStdin());
  process.stdout.write(`${encrypt(value, service)}\n`);
  return 0;
};
