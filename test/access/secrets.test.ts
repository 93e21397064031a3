import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { createServer } from '../../server/src/create-server.js';
import { decryptValue, encryptValue, parseKey } from '../../server/src/secrets/cipher-value.js';
import { createSecretBox } from '../../server/src/secrets/secret-box.js';
import type { GitFixture } from '../helpers/git-fixture.js';
import { basic, bearer, Sandbox, TEST_KEY, TOKENS, waitFor } from './access-helpers.js';

const run = promisify(execFile);
const MAIN = new URL('../../server/src/cli/main.js', import.meta.url).pathname;
const PLAIN = 'S3cr3t-p@ss!';
const KEY = parseKey(TEST_KEY);

/** Runs `hotconf encrypt` with `args`, optional stdin, and HOTCONF_ENCRYPT_KEY = `key`. */
function cli(args: string[], key: string | undefined, stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (key === undefined) delete env.HOTCONF_ENCRYPT_KEY;
  else env.HOTCONF_ENCRYPT_KEY = key;
  const child = spawn(process.execPath, [MAIN, 'encrypt', ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(stdin ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

/** Flips one bit of the ciphertext body, keeping it valid base64 of the same length. */
function tamper(cipher: string): string {
  const raw = Buffer.from(cipher.slice('{cipher}'.length), 'base64');
  raw[14] = (raw[14] as number) ^ 1;
  return `{cipher}${raw.toString('base64')}`;
}

describe('Secrets', () => {
  describe('AES-256-GCM values', () => {
    it('writes {cipher} + base64(iv 12 | ciphertext | tag 16), with a fresh iv each time', () => {
      const a = encryptValue(KEY, PLAIN);
      const b = encryptValue(KEY, PLAIN);
      expect(a).to.match(/^\{cipher\}[A-Za-z0-9+/]+=*$/);
      expect(Buffer.from(a.slice(8), 'base64').length).to.equal(12 + Buffer.byteLength(PLAIN) + 16);
      expect(a).not.to.equal(b);
      expect(decryptValue(KEY, a.slice(8))).to.equal(PLAIN);
      expect(decryptValue(KEY, encryptValue(KEY, 'ünïcødé ✓').slice(8))).to.equal('ünïcødé ✓');
    });

    it('refuses altered values, other keys, bad base64 and short values with a message free of secrets', () => {
      const box = createSecretBox(TEST_KEY);
      const decode = box.decode as NonNullable<typeof box.decode>;
      const other = createSecretBox(Buffer.alloc(32, 9).toString('base64')).encrypt?.(PLAIN) as string;
      const cases: [string, string][] = [
        [tamper(encryptValue(KEY, PLAIN)), 'was altered or encrypted under another key'],
        [other, 'was altered or encrypted under another key'],
        ['{cipher}not base64!', 'is not base64'],
        ['{cipher}AAAA', 'is too short to be an AES-256-GCM value'],
      ];
      for (const [value, reason] of cases) {
        expect(() => decode(value.slice(8), 'orders.yml', 'db.password')).to.throw(
          Error,
          `\`db.password\` could not be decrypted: the {cipher} value ${reason} (orders.yml)`,
        );
      }
    });

    it('refuses a key that is not base64 of 32 bytes, naming the variable and never the key', async () => {
      const short = Buffer.alloc(16, 1).toString('base64');
      expect(() => createSecretBox(short)).to.throw(
        TypeError,
        'HOTCONF_ENCRYPT_KEY must be the base64 of 32 bytes, got 16 bytes (openssl rand -base64 32)',
      );
      expect(() => createSecretBox('not*base64')).to.throw(TypeError, 'HOTCONF_ENCRYPT_KEY must be base64');
      const sb = new Sandbox();
      try {
        const server = createServer({ repo: (await sb.repo()).dir, port: 0, logLevel: 'silent', encryptKey: short });
        sb.defer(() => server.close());
        const error = await server.listen().then(() => undefined, (e: Error) => e);
        expect(error?.message).to.equal('HOTCONF_ENCRYPT_KEY must be the base64 of 32 bytes, got 16 bytes (openssl rand -base64 32)');
        expect(error?.message).not.to.include(short);
      } finally {
        await sb.dispose();
      }
    });
  });

  describe('hotconf encrypt', () => {
    it('encrypts its argument, or stdin without the trailing newline, under HOTCONF_ENCRYPT_KEY', async () => {
      const fromArg = await cli([PLAIN], TEST_KEY);
      expect(fromArg.code).to.equal(0);
      expect(fromArg.stdout).to.match(/^\{cipher\}[A-Za-z0-9+/]+=*\n$/);
      expect(decryptValue(KEY, fromArg.stdout.trim().slice(8))).to.equal(PLAIN);
      const fromStdin = await cli([], TEST_KEY, `${PLAIN}\n`);
      expect(fromStdin.code).to.equal(0);
      expect(decryptValue(KEY, fromStdin.stdout.trim().slice(8))).to.equal(PLAIN);
    });

    it('exits 2 without a key, with a bad key, or with two values', async () => {
      expect(await cli([PLAIN], undefined)).to.deep.equal({
        code: 2,
        stdout: '',
        stderr: 'hotconf encrypt: HOTCONF_ENCRYPT_KEY is not set (base64 of 32 bytes: openssl rand -base64 32)\n',
      });
      const bad = await cli([PLAIN], Buffer.alloc(31).toString('base64'));
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.equal('hotconf encrypt: HOTCONF_ENCRYPT_KEY must be the base64 of 32 bytes, got 31 bytes (openssl rand -base64 32)\n');
      const two = await cli(['a', 'b'], TEST_KEY);
      expect(two.code).to.equal(2);
      expect(two.stderr).to.equal('hotconf encrypt: encrypt takes one value; quote it if it has spaces\n');
    });
  });

  describe('served through the server', () => {
    let sb: Sandbox;
    let repo: GitFixture;
    let server: HotconfServer;
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${server.url}${path}`, { headers });
      return { status: res.status, text: await res.text() };
    };
    const encrypt = async (init: RequestInit) => {
      const res = await fetch(`${server.url}/v1/encrypt`, { method: 'POST', ...init });
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    };

    beforeEach(async () => {
      sb = new Sandbox();
      repo = await sb.repo();
      server = await sb.server(repo, { tokensFile: await sb.tokenFile(), encryptKey: TEST_KEY });
    });
    afterEach(() => sb.dispose());

    it('POST /v1/encrypt answers JSON to JSON and text to text/plain, for admins only', async () => {
      const json = await encrypt({ headers: { ...bearer(TOKENS.ops), 'Content-Type': 'application/json' }, body: JSON.stringify({ value: PLAIN }) });
      expect(json.status).to.equal(200);
      expect(json.type).to.equal('application/json; charset=utf-8');
      const value = (JSON.parse(json.text) as { value: string }).value;
      expect(decryptValue(KEY, value.slice(8))).to.equal(PLAIN);
      const text = await encrypt({ headers: { ...basic('ops', TOKENS.ops), 'Content-Type': 'text/plain' }, body: PLAIN });
      expect(text.status).to.equal(200);
      expect(text.type).to.equal('text/plain; charset=utf-8');
      expect(decryptValue(KEY, text.text.slice(8))).to.equal(PLAIN);
      const denied = await encrypt({ headers: { ...bearer(TOKENS.orders), 'Content-Type': 'text/plain' }, body: PLAIN });
      expect(denied.status).to.equal(403);
    });

    it('POST /v1/encrypt refuses bodies it cannot use with a clear 4xx', async () => {
      const admin = bearer(TOKENS.ops);
      const cases: [RequestInit, number, string, string][] = [
        [{ headers: { ...admin, 'Content-Type': 'application/json' }, body: '{"value": 5}' }, 400, 'HC_BAD_REQUEST', 'the body must be {"value": "<string to encrypt>"}'],
        [{ headers: { ...admin, 'Content-Type': 'application/json' }, body: '{"value": "a", "x": 1}' }, 400, 'HC_BAD_REQUEST', 'the body must be {"value": "<string to encrypt>"}'],
        [{ headers: { ...admin, 'Content-Type': 'application/json' }, body: '{"value": ' }, 400, 'HC_BAD_REQUEST', 'the request body is not valid JSON'],
        [{ headers: { ...admin, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'value=a' }, 415, 'HC_UNSUPPORTED_MEDIA_TYPE', 'send application/json {"value": "…"} or a text/plain body'],
        [{ headers: { ...admin, 'Content-Type': 'text/plain' }, body: 'x'.repeat(70_000) }, 413, 'HC_BODY_TOO_LARGE', 'request bodies may be at most 65536 bytes'],
      ];
      for (const [init, status, code, message] of cases) {
        const res = await encrypt(init);
        expect(res.status, message).to.equal(status);
        expect(JSON.parse(res.text)).to.deep.equal({ error: { code, message } });
      }
    });

    it('serves a committed secret decrypted to the token that may read it, and to nobody else', async () => {
      const fromCli = (await cli([PLAIN], TEST_KEY)).stdout.trim();
      const fromHttp = await encrypt({ headers: { ...bearer(TOKENS.ops), 'Content-Type': 'text/plain' }, body: 'api-key-42' });
      const version = await repo.commit(
        { 'orders.yml': `db:\n  host: orders-db\n  password: '${fromCli}'\napi:\n  key: '${fromHttp.text}'\n` },
        'add secrets',
      );
      const path = '/v1/config/orders/default';
      await waitFor(async () => (await get(path, bearer(TOKENS.orders))).text.includes(version), 'the commit to be served');

      const mine = JSON.parse((await get(path, bearer(TOKENS.orders))).text) as { config: Record<string, Record<string, unknown>> };
      expect(mine.config.db).to.deep.equal({ host: 'orders-db', password: PLAIN });
      expect(mine.config.api).to.deep.equal({ key: 'api-key-42' });
      const spring = await get('/orders/default', basic('spring', TOKENS.orders));
      expect((JSON.parse(spring.text) as { propertySources: { source: Record<string, unknown> }[] }).propertySources[0]?.source['db.password']).to.equal(PLAIN);

      for (const [headers, status] of [
        [bearer(TOKENS.billing), 403],
        [{}, 401],
        [bearer('guess'), 401],
      ] as const) {
        for (const p of [path, '/orders/default', '/orders-default.yml', '/orders-default.properties']) {
          const res = await get(p, headers);
          expect(res.status, p).to.equal(status);
          expect(res.text).not.to.include(PLAIN);
          expect(res.text).not.to.include('api-key-42');
        }
      }
      const ws = sb.socket(server, bearer(TOKENS.orders));
      await ws.opened();
      ws.send({ type: 'subscribe', id: 's', service: 'orders', profiles: ['default'], etag: null });
      expect(((await ws.next((f) => f.id === 's')).config as { db: unknown }).db).to.deep.equal({ host: 'orders-db', password: PLAIN });
      const status = await get('/v1/status', bearer(TOKENS.ops));
      expect(status.text).not.to.include(PLAIN);
    });

    it('rejects a tampered ciphertext at the gate, keeps the previous version, and says so in /v1/status without the secret', async () => {
      const cipher = encryptValue(KEY, PLAIN);
      const good = await repo.commit({ 'orders.yml': `db:\n  password: '${cipher}'\n` }, 'add password');
      const path = '/v1/config/orders/default';
      await waitFor(async () => (await get(path, bearer(TOKENS.orders))).text.includes(good), 'the good commit to be served');

      const bad = await repo.commit({ 'orders.yml': `db:\n  password: '${tamper(cipher)}'\n  pool: 9\n` }, 'tamper');
      // An explicit refresh: the ref watcher can miss a commit made right after another
      // (reported separately); this test is about the gate, not about noticing commits.
      await fetch(`${server.url}/v1/refresh`, { method: 'POST', headers: bearer(TOKENS.ops) });
      type Status = { documents: { service: string; profiles: string[]; rejection: { commit: string; problems: unknown[] } | null }[] };
      let rejection: Status['documents'][number]['rejection'] = null;
      await waitFor(async () => {
        const status = JSON.parse((await get('/v1/status', bearer(TOKENS.ops))).text) as Status;
        rejection = status.documents.find((d) => d.service === 'orders' && d.profiles.join() === 'default')?.rejection ?? null;
        return rejection?.commit === bad;
      }, 'the rejection to show in /v1/status');
      expect(rejection).to.deep.include({
        commit: bad,
        problems: [
          {
            file: 'orders.yml',
            path: '/db/password',
            message: '`db.password` could not be decrypted: the {cipher} value was altered or encrypted under another key (orders.yml)',
          },
        ],
      });
      const statusText = (await get('/v1/status', bearer(TOKENS.ops))).text;
      expect(statusText).not.to.include(PLAIN);
      expect(statusText).not.to.include(KEY.toString('base64'));
      const served = JSON.parse((await get(path, bearer(TOKENS.orders))).text) as { version: string; config: unknown };
      expect(served.version).to.equal(good);
      expect(served.config).to.deep.equal({ shared: { region: 'eu' }, db: { password: PLAIN } });
    });

    it('answers 503 HC_NO_ENCRYPT_KEY on POST /v1/encrypt and rejects {cipher} values when the server has no key', async () => {
      const keyless = await sb.server(repo, { tokensFile: await sb.tokenFile() });
      const res = await fetch(`${keyless.url}/v1/encrypt`, { method: 'POST', headers: { ...bearer(TOKENS.ops), 'Content-Type': 'text/plain' }, body: 'x' });
      expect(res.status).to.equal(503);
      expect(await res.json()).to.deep.equal({
        error: { code: 'HC_NO_ENCRYPT_KEY', message: 'this server has no HOTCONF_ENCRYPT_KEY, so it cannot encrypt' },
      });
      const bad = await repo.commit({ 'orders.yml': `db:\n  password: '${encryptValue(KEY, PLAIN)}'\n` }, 'add password');
      await fetch(`${keyless.url}/v1/refresh`, { method: 'POST', headers: bearer(TOKENS.ops) });
      type Status = { documents: { service: string; profiles: string[]; rejection: { commit: string; problems: { message: string }[] } | null }[] };
      let messages: string[] = [];
      await waitFor(async () => {
        const status = (await (await fetch(`${keyless.url}/v1/status`, { headers: bearer(TOKENS.ops) })).json()) as Status;
        const doc = status.documents.find((d) => d.service === 'orders' && d.profiles.join() === 'default');
        messages = doc?.rejection?.commit === bad ? doc.rejection.problems.map((p) => p.message) : [];
        return messages.length > 0;
      }, 'the keyless rejection');
      expect(messages).to.deep.equal(['`db.password` is encrypted but the server has no HOTCONF_ENCRYPT_KEY (orders.yml)']);
    });
  });
});
