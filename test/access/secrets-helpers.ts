import { spawn } from 'node:child_process';
import { parseKey } from '../../server/src/secrets/cipher-value.js';
import { TEST_KEY } from './access-helpers.js';

const MAIN = new URL('../../server/src/cli/main.js', import.meta.url).pathname;
export const PLAIN = 'S3cr3t-p@ss!';
export const KEY = parseKey(TEST_KEY);

/** Runs `hotconf encrypt` with `args`, optional stdin, and HOTCONF_ENCRYPT_KEY = `key`. */
export function cli(
  args: string[],
  key: string | undefined,
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (key === undefined) delete env.HOTCONF_ENCRYPT_KEY;
  else env.HOTCONF_ENCRYPT_KEY = key;
  const child = spawn(process.execPath, [MAIN, 'encrypt', ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(stdin ?? '');
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })),
  );
}

/** Flips one bit of the ciphertext body, keeping it valid base64 of the same length. */
export function tamper(cipher: string): string {
  const raw = Buffer.from(cipher.slice('{cipher}'.length), 'base64');
  raw[14] = (raw[14] as number) ^ 1;
  return `{cipher}${raw.toString('base64')}`;
}
