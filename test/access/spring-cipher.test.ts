import { expect } from 'chai';
import { createCipheriv, createPrivateKey, pbkdf2Sync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HotconfServer } from '../../server/src/create-server.js';
import { createSecretBox } from '../../server/src/secrets/secret-box.js';
import { SpringRsaCipher, SpringTextCipher } from '../../server/src/secrets/spring-cipher.js';
import type { GitFixture } from '../helpers/git-fixture.js';
import { bearer, Sandbox, TEST_KEY, TOKENS, waitFor } from './access-helpers.js';
import {
  RSA,
  RSA_KEY,
  RSA_PEPPER,
  RSA_STRONG,
  SPRING_PASSWORD,
  SPRING_PLAIN,
  SYMMETRIC,
  SYMMETRIC_SALTED,
} from './spring-vectors.js';

const site = { file: 'foo.yml', path: 'db.password', service: 'foo' };

describe("Spring's {cipher} formats (DESIGN §2a)", () => {
  describe('SpringTextCipher', () => {
    it('opens values written by a JDK implementation of Encryptors.text, with either salt', () => {
      expect(new SpringTextCipher(SPRING_PASSWORD).decrypt(SYMMETRIC)).to.equal(SPRING_PLAIN);
      expect(new SpringTextCipher(SPRING_PASSWORD, '0badc0de').decrypt(SYMMETRIC_SALTED)).to.equal(
        SPRING_PLAIN,
      );
      expect(() => new SpringTextCipher(SPRING_PASSWORD).decrypt(SYMMETRIC_SALTED)).to.throw(
        'was altered or encrypted under another key',
      );
    });

    it('opens a value built here step by step from the documented algorithm', () => {
      // PBKDF2-HMAC-SHA1, 1024 rounds, 32 bytes, salt hex-decoded; hex(iv | AES-256-CBC).
      const key = pbkdf2Sync(SPRING_PASSWORD, Buffer.from('deadbeef', 'hex'), 1024, 32, 'sha1');
      const iv = Buffer.alloc(16, 3);
      const cipher = createCipheriv('aes-256-cbc', key, iv);
      const hex = Buffer.concat([iv, cipher.update('built by hand'), cipher.final()]).toString(
        'hex',
      );
      expect(new SpringTextCipher(SPRING_PASSWORD).decrypt(hex)).to.equal('built by hand');
    });

    it('round-trips, and refuses a salt Spring would refuse', () => {
      const text = new SpringTextCipher('k');
      expect(text.encrypt('x')).to.match(/^[0-9a-f]{64}$/);
      expect(text.decrypt(text.encrypt('ünï ✓'))).to.equal('ünï ✓');
      expect(() => new SpringTextCipher('k', 'pepper')).to.throw(
        TypeError,
        'HOTCONF_SPRING_ENCRYPT_SALT must be hex (Spring default: deadbeef)',
      );
    });
  });

  describe('SpringRsaCipher', () => {
    const key = createPrivateKey(RSA_KEY);

    it('opens RsaSecretEncryptor values (CBC and GCM inside, hex and non-hex salts)', () => {
      expect(new SpringRsaCipher(key).decrypt(RSA)).to.equal(SPRING_PLAIN);
      expect(new SpringRsaCipher(key).decrypt(RSA_STRONG)).to.equal(SPRING_PLAIN);
      expect(new SpringRsaCipher(key, 'pepper').decrypt(RSA_PEPPER)).to.equal(SPRING_PLAIN);
      expect(() => new SpringRsaCipher(key).decrypt(RSA_PEPPER)).to.throw(
        'was altered or encrypted under another key',
      );
    });

    it('round-trips in both modes', () => {
      const rsa = new SpringRsaCipher(key);
      expect(rsa.decrypt(rsa.encrypt('a'))).to.equal('a');
      expect(rsa.decrypt(rsa.encrypt('b', true))).to.equal('b');
    });
  });

  describe('the secret box', () => {
    it('chooses the key by {key:alias}, skips {secret:…}, and names the alias when it cannot', async () => {
      const sb = new Sandbox();
      try {
        const dir = await sb.tempDir();
        await writeFile(path.join(dir, 'mykey.pem'), RSA_KEY);
        const box = createSecretBox({ springEncryptKey: SPRING_PASSWORD, springKeysDir: dir });
        expect(box.decode(`{cipher}${SYMMETRIC}`, site)).to.equal(SPRING_PLAIN);
        expect(box.decode(`{cipher}{key:mykey}${RSA}`, site)).to.equal(SPRING_PLAIN);
        expect(box.decode(`{cipher}{key:mykey}{secret:changeme}${RSA_STRONG}`, site)).to.equal(
          SPRING_PLAIN,
        );
        expect(() => box.decode(`{cipher}{key:other}${RSA}`, site)).to.throw(
          'the {cipher} value names key alias other, but HOTCONF_SPRING_KEYS_DIR has no other.pem',
        );
        const raw = Buffer.from(RSA, 'base64');
        raw[10] = (raw[10] as number) ^ 1;
        const altered = raw.toString('base64');
        expect(() => box.decode(`{cipher}{key:mykey}${altered}`, site)).to.throw(
          'the {cipher} value cannot be opened with this RSA key (key alias mykey)',
        );
      } finally {
        await sb.dispose();
      }
    });

    it('refuses an unreadable key file at start, naming the file and alias', async () => {
      const sb = new Sandbox();
      try {
        const dir = await sb.tempDir();
        await writeFile(path.join(dir, 'broken.pem'), 'not a key');
        expect(() => createSecretBox({ springKeysDir: dir })).to.throw(
          TypeError,
          'HOTCONF_SPRING_KEYS_DIR: broken.pem is not a PEM RSA private key (key alias broken)',
        );
      } finally {
        await sb.dispose();
      }
    });
  });

  describe('served', () => {
    let sb: Sandbox;
    let repo: GitFixture;
    let server: HotconfServer;

    beforeEach(async () => {
      sb = new Sandbox();
      const keys = await sb.tempDir();
      await writeFile(path.join(keys, 'mykey.pem'), RSA_KEY);
      repo = await sb.repo({
        'foo.yml': [
          'db:',
          `  password: '{cipher}${SYMMETRIC}'`,
          `  apikey: '{cipher}{key:mykey}${RSA}'`,
          `  strong: '{cipher}{key:mykey}{secret:changeme}${RSA_STRONG}'`,
          '',
        ].join('\n'),
      });
      server = await sb.server(repo, {
        tokensFile: await sb.tokenFile([
          { name: 'foo', token: TOKENS.orders, services: ['foo'] },
          { name: 'ops', token: TOKENS.ops, admin: true },
        ]),
        encryptKey: TEST_KEY,
        springEncryptKey: SPRING_PASSWORD,
        springKeysDir: keys,
      });
    });
    afterEach(() => sb.dispose());

    const post = (route: string, body: string, headers: Record<string, string>) =>
      fetch(`${server.url}${route}`, { method: 'POST', body, headers });

    it('decrypts every format in the Environment JSON and the native document', async () => {
      const env = (await (
        await fetch(`${server.url}/foo/default`, { headers: bearer(TOKENS.orders) })
      ).json()) as { propertySources: { source: Record<string, string> }[] };
      expect(env.propertySources[0]?.source).to.deep.equal({
        'db.password': SPRING_PLAIN,
        'db.apikey': SPRING_PLAIN,
        'db.strong': SPRING_PLAIN,
      });
    });

    it('rejects a value nobody can decrypt, naming file, line, key and alias', async () => {
      const bad = await repo.commit(
        { 'foo.yml': `db:\n  host: x\n  password: '{cipher}{key:gone}${RSA}'\n` },
        'a key nobody has',
      );
      await post('/v1/refresh', '', bearer(TOKENS.ops));
      let problems: { message: string }[] = [];
      await waitFor(async () => {
        const status = (await (
          await fetch(`${server.url}/v1/status`, { headers: bearer(TOKENS.ops) })
        ).json()) as {
          documents: { service: string; rejection?: { commit: string; problems: [] } }[];
        };
        const doc = status.documents.find((d) => d.service === 'foo');
        problems = doc?.rejection?.commit === bad ? doc.rejection.problems : [];
        return problems.length > 0;
      }, 'the rejection');
      expect(problems).to.deep.equal([
        {
          file: 'foo.yml',
          path: '/db/password',
          line: 3,
          message:
            '`db.password` could not be decrypted: the {cipher} value names key alias gone, but HOTCONF_SPRING_KEYS_DIR has no gone.pem (foo.yml line 3)',
        },
      ]);
    });

    it('answers POST /encrypt and /decrypt as Spring does: text in and out, round trip', async () => {
      const admin = { ...bearer(TOKENS.ops), 'Content-Type': 'text/plain' };
      const enc = await post('/encrypt', 'round trip ✓', admin);
      expect([enc.status, enc.headers.get('content-type')]).to.deep.equal([
        200,
        'text/plain; charset=utf-8',
      ]);
      const cipher = await enc.text();
      expect(cipher).to.match(/^[0-9a-f]+$/);
      expect(new SpringTextCipher(SPRING_PASSWORD).decrypt(cipher)).to.equal('round trip ✓');
      const dec = await post('/decrypt', cipher, admin);
      expect([dec.status, await dec.text()]).to.deep.equal([200, 'round trip ✓']);
      // `curl -d value` sends a form body ending in `=`: Spring strips it.
      const form = { ...bearer(TOKENS.ops), 'Content-Type': 'application/x-www-form-urlencoded' };
      const formEnc = await (await post('/encrypt', 'mysecret=', form)).text();
      expect(await (await post('/decrypt', `${formEnc}=`, form)).text()).to.equal('mysecret');
      // `{key:alias}` picks the RSA key and stays on the answer; {cipher} may be sent too.
      const rsa = await (await post('/encrypt', '{key:mykey}via rsa', admin)).text();
      expect(rsa.startsWith('{key:mykey}')).to.equal(true);
      expect(await (await post('/decrypt', `{cipher}${rsa}`, admin)).text()).to.equal('via rsa');
      expect(await (await post('/decrypt', `{key:mykey}${RSA}`, admin)).text()).to.equal(
        SPRING_PLAIN,
      );
    });

    it('answers the /{name}/{profiles} forms and GET /encrypt/status as Spring does', async () => {
      const admin = { ...bearer(TOKENS.ops), 'Content-Type': 'text/plain' };
      const cipher = await (await post('/encrypt/foo/default', 'per app', admin)).text();
      expect(await (await post('/decrypt/foo/default', cipher, admin)).text()).to.equal('per app');
      const status = await fetch(`${server.url}/encrypt/status`, { headers: bearer(TOKENS.ops) });
      expect([status.status, await status.json()]).to.deep.equal([200, { status: 'OK' }]);
    });

    it("answers Spring's 400 INVALID, and 401/403 before reading anything", async () => {
      const admin = { ...bearer(TOKENS.ops), 'Content-Type': 'text/plain' };
      const bad = await post('/decrypt', 'abcdef0123', admin);
      expect([bad.status, await bad.json()]).to.deep.equal([
        400,
        { status: 'INVALID', description: 'Text not encrypted with this key' },
      ]);
      expect((await post('/encrypt', 'x', { 'Content-Type': 'text/plain' })).status).to.equal(401);
      const reader = await post('/decrypt', SYMMETRIC, {
        ...bearer(TOKENS.orders),
        'Content-Type': 'text/plain',
      });
      const refused = (await reader.json()) as { error: { code: string } };
      expect([reader.status, refused.error.code]).to.deep.equal([403, 'HC_FORBIDDEN']);
    });
  });

  it("answers Spring's 404 NO_KEY when the server has no key at all", async () => {
    const sb = new Sandbox();
    try {
      const server = await sb.server(await sb.repo());
      for (const route of ['/encrypt', '/decrypt']) {
        const res = await fetch(`${server.url}${route}`, {
          method: 'POST',
          body: 'x',
          headers: { 'Content-Type': 'text/plain' },
        });
        expect([res.status, await res.json()]).to.deep.equal([
          404,
          { status: 'NO_KEY', description: 'No key was installed for encryption service' },
        ]);
      }
    } finally {
      await sb.dispose();
    }
  });
});
