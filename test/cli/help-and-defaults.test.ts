import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { encryptValue, parseKey } from '../../server/src/secrets/cipher-value.js';
import { settingsHelp } from '../../server/src/settings.js';
import { CLI, runHotconf } from '../helpers/cli.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

const KEY = Buffer.alloc(32, 9).toString('base64');
const SECRET_SCHEMA = JSON.stringify({
  type: 'object',
  properties: { db: { type: 'object', properties: { password: { type: 'string' } } } },
});

describe('hotconf --help', () => {
  it('lists every setting of serve with its flag, variable and default, from the settings table', async () => {
    const result = await runHotconf(['serve', '--help']);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.match(/^usage: hotconf serve /);
    for (const setting of settingsHelp()) {
      const line = result.stdout.split('\n').find((l) => l.includes(`--${setting.flag} `));
      expect(line, setting.flag).to.include(`(${setting.env})`);
      expect(line, setting.flag).to.include(
        setting.default === undefined ? 'default: none' : `default: ${setting.default}`,
      );
    }
    expect(result.stdout).to.match(/--port N\s+\(HOTCONF_PORT\)\s+default: 8888/);
  });

  it('describes every command with its flags, and -h works too', async () => {
    for (const command of ['validate', 'get', 'watch', 'history', 'diff', 'encrypt', 'types']) {
      for (const flag of ['--help', '-h']) {
        const result = await runHotconf([command, flag]);
        expect(result.code, `${command} ${flag}`).to.equal(0);
        expect(result.stderr).to.equal('');
        expect(result.stdout).to.match(new RegExp(`^usage: hotconf ${command}`));
        expect(result.stdout).to.include('  --help');
      }
    }
    const watch = await runHotconf(['watch', '--help']);
    expect(watch.stdout).to.match(/--server URL\s+\(HOTCONF_SERVER\)/);
    expect(watch.stdout).to.match(/--token TOKEN\s+\(HOTCONF_TOKEN\)/);
    expect((await runHotconf(['--help'])).stdout).to.include('hotconf <command> --help');
  });
});

describe('hotconf validate defaults', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hotconf-cli-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('with no path validates ./config-repo, the repository serve would serve, not the cwd', async () => {
    await mkdir(path.join(dir, 'config-repo'));
    await writeFile(path.join(dir, 'config-repo', 'orders.yml'), 'a: 1\n');
    await writeFile(path.join(dir, 'package.json'), '{"name":"not-config"}\n');
    const result = await runHotconf(['validate'], { cwd: dir, env: { HOTCONF_REPO: '' } });
    expect(result).to.deep.include({ code: 0, stderr: '' });
    expect(result.stdout).to.equal(
      '1 of 1 documents valid in the working tree; no schema for orders\n',
    );
  });

  it('with no path follows HOTCONF_REPO', async () => {
    const repo = path.join(dir, 'elsewhere');
    await mkdir(repo);
    await writeFile(path.join(repo, 'billing.yml'), 'a: 1\n');
    const result = await runHotconf(['validate'], { cwd: dir, env: { HOTCONF_REPO: repo } });
    expect(result.stdout).to.equal(
      '1 of 1 documents valid in the working tree; no schema for billing\n',
    );
  });

  describe('{cipher} values', () => {
    let repo: GitFixture;
    beforeEach(async () => {
      const secret = encryptValue(parseKey(KEY), 'pa55');
      repo = await GitFixture.create({
        'orders.yml': `db:\n  password: '${secret}'\n`,
        'schemas/orders.schema.json': SECRET_SCHEMA,
      });
    });
    afterEach(() => repo.remove());

    it('fails without the key, as the server would reject them, and says why', async () => {
      const result = await runHotconf(['validate', repo.dir], { env: { HOTCONF_ENCRYPT_KEY: '' } });
      expect(result.code).to.equal(1);
      expect(result.stdout).to.equal(
        'orders [default]: `db.password` could not be decrypted: the {cipher} value is encrypted but the server has no HOTCONF_ENCRYPT_KEY or HOTCONF_SPRING_ENCRYPT_KEY (orders.yml line 2)\n',
      );
      expect(result.stderr).to.equal(
        '0 of 1 documents valid in the working tree\n' +
          'hotconf validate: {cipher} values cannot be checked without the key: set HOTCONF_ENCRYPT_KEY (or pass --skip-encrypted to accept them unchecked)\n',
      );
    });

    it('passes with the key, and with --skip-encrypted says what it did not check', async () => {
      const keyed = await runHotconf(['validate', repo.dir], { env: { HOTCONF_ENCRYPT_KEY: KEY } });
      expect(keyed).to.deep.equal({
        code: 0,
        stdout: '1 of 1 documents valid in the working tree\n',
        stderr: '',
      });
      const skipped = await runHotconf(['validate', repo.dir, '--skip-encrypted'], {
        env: { HOTCONF_ENCRYPT_KEY: '' },
      });
      expect(skipped).to.deep.equal({
        code: 0,
        stdout:
          '1 of 1 documents valid in the working tree; 1 {cipher} value(s) not checked (no HOTCONF_ENCRYPT_KEY)\n',
        stderr: '',
      });
    });
  });
});

describe('hotconf watch and tokens', () => {
  let repo: GitFixture;
  let dir: string;
  beforeEach(async () => {
    repo = await GitFixture.create({ 'orders.yml': 'db:\n  pool: 10\n' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'hotconf-cli-'));
  });
  afterEach(async () => {
    await repo.remove();
    await rm(dir, { recursive: true, force: true });
  });

  async function serverWithToken() {
    const tokensFile = path.join(dir, 'tokens.yml');
    const sha = createHash('sha256').update('orders-secret').digest('hex');
    await writeFile(
      tokensFile,
      `tokens:\n  - name: orders\n    sha256: ${sha}\n    services: [orders]\n`,
    );
    return { tokensFile, server: await startServer({ repo: repo.dir, tokensFile }) };
  }

  it('stops at once on 401 with the message hotconf get prints', async () => {
    const { server } = await serverWithToken();
    try {
      const args = ['orders', 'default', '--server', server.url, '--token', 'wrong'];
      const get = await runHotconf(['get', ...args]);
      const watch = await runHotconf(['watch', ...args]);
      expect(get.code).to.equal(1);
      expect(watch.code).to.equal(1);
      expect(get.stderr).to.match(/^hotconf get: .*\(HC_UNAUTHORIZED\)\n$/);
      expect(watch.stderr).to.equal(get.stderr.replace('hotconf get:', 'hotconf watch:'));
      expect(watch.stdout).to.equal('');
    } finally {
      await server.close();
    }
  });

  it('stops with exit 1 when the token is revoked while it watches', async () => {
    const { tokensFile, server } = await serverWithToken();
    const child = spawn(
      process.execPath,
      [CLI, 'watch', 'orders', '--server', server.url, '--token', 'orders-secret'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await waitFor(() => err.includes('live at'), 15_000, 'the watch to go live');
      expect(out).to.include('  db.pool = 10');
      await writeFile(tokensFile, 'tokens: []\n');
      expect(await exited).to.equal(1);
      expect(err).to.include('revoked the token (close code 4401); live updates stopped\n');
    } finally {
      child.kill('SIGKILL');
      await server.close();
    }
  });
});
