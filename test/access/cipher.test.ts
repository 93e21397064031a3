import { expect } from 'chai';
import { createServer } from '../../server/src/create-server.js';
import { decryptValue, encryptValue } from '../../server/src/secrets/cipher-value.js';
import { createSecretBox } from '../../server/src/secrets/secret-box.js';
import { Sandbox, TEST_KEY } from './access-helpers.js';
import { cli, KEY, PLAIN, tamper } from './secrets-helpers.js';

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
      const box = createSecretBox({ encryptKey: TEST_KEY });
      const other = createSecretBox({
        encryptKey: Buffer.alloc(32, 9).toString('base64'),
      }).encrypt?.(PLAIN) as string;
      const cases: [string, string][] = [
        [tamper(encryptValue(KEY, PLAIN)), 'was altered or encrypted under another key'],
        [other, 'was altered or encrypted under another key'],
        ['{cipher}not base64!', 'is not base64'],
        ['{cipher}AAAA', 'is too short to be an AES-256-GCM value'],
      ];
      for (const [value, reason] of cases) {
        expect(() =>
          box.decode(value, { file: 'orders.yml', path: 'db.password', service: 'orders' }),
        ).to.throw(Error, `the {cipher} value ${reason}`);
      }
    });

    it('refuses a key that is not base64 of 32 bytes, naming the variable and never the key', async () => {
      const short = Buffer.alloc(16, 1).toString('base64');
      expect(() => createSecretBox({ encryptKey: short })).to.throw(
        TypeError,
        'HOTCONF_ENCRYPT_KEY must be the base64 of 32 bytes, got 16 bytes (openssl rand -base64 32)',
      );
      expect(() => createSecretBox({ encryptKey: 'not*base64' })).to.throw(
        TypeError,
        'HOTCONF_ENCRYPT_KEY must be base64',
      );
      const sb = new Sandbox();
      try {
        const server = createServer({
          repo: (await sb.repo()).dir,
          port: 0,
          logLevel: 'silent',
          encryptKey: short,
        });
        sb.defer(() => server.close());
        const error = await server.listen().then(
          () => undefined,
          (e: Error) => e,
        );
        expect(error?.message).to.equal(
          'HOTCONF_ENCRYPT_KEY must be the base64 of 32 bytes, got 16 bytes (openssl rand -base64 32)',
        );
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
        stderr:
          'hotconf encrypt: HOTCONF_ENCRYPT_KEY is not set (base64 of 32 bytes: openssl rand -base64 32)\n',
      });
      const bad = await cli([PLAIN], Buffer.alloc(31).toString('base64'));
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.equal(
        'hotconf encrypt: HOTCONF_ENCRYPT_KEY must be the base64 of 32 bytes, got 31 bytes (openssl rand -base64 32)\n',
      );
      const two = await cli(['a', 'b'], TEST_KEY);
      expect(two.code).to.equal(2);
      expect(two.stderr).to.equal(
        'hotconf encrypt: encrypt takes one value; quote it if it has spaces\n',
      );
    });
  });
});
