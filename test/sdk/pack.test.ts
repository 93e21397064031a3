import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { Sandbox } from './sdk-helpers.js';

const run = promisify(execFile);
/** Repository root (tests run from dist/test/sdk). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const SERVICE = `
import { connect } from '@hotconf/client';
const cfg = await connect({ server: process.env.SERVER, service: 'orders' });
await new Promise((resolve) => cfg.once('connected', resolve));
console.log('pool max ' + cfg.get('db.pool.max'));
await cfg.close();
`;

describe('@hotconf/client package', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = new Sandbox();
  });
  afterEach(() => sb.dispose());

  it('packs from a clean checkout of client-sdk/ and runs a service installed from the tarball', async function () {
    this.timeout(120_000);
    const tmp = await sb.tempDir();
    // A clean checkout: the package's sources only, no dist/ nor build info; the
    // workspace root's node_modules stand in for `npm install` at the root.
    const pkg = path.join(tmp, 'client-sdk');
    await mkdir(pkg);
    for (const entry of ['package.json', 'tsconfig.json', 'README.md', 'src', 'examples'])
      await cp(path.join(ROOT, 'client-sdk', entry), path.join(pkg, entry), { recursive: true });
    await symlink(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
    const tarballs = path.join(tmp, 'tarballs');
    await mkdir(tarballs);
    await run(NPM, ['pack', '--pack-destination', tarballs], { cwd: pkg });
    // ws from the local install, so the test needs no registry.
    await run(NPM, ['pack', path.join(ROOT, 'node_modules/ws'), '--pack-destination', tarballs], {
      cwd: tmp,
    });
    const files = await readdir(tarballs);
    const ws = JSON.parse(
      await readFile(path.join(ROOT, 'node_modules/ws/package.json'), 'utf8'),
    ) as { version: string };
    expect(files.sort()).to.deep.equal(['hotconf-client-0.1.0.tgz', `ws-${ws.version}.tgz`]);

    const app = path.join(tmp, 'app');
    await mkdir(app);
    await writeFile(
      path.join(app, 'package.json'),
      '{"name":"app","private":true,"type":"module"}\n',
    );
    await run(
      NPM,
      [
        'install',
        '--offline',
        '--no-audit',
        '--no-fund',
        ...files.map((f) => path.join(tarballs, f)),
      ],
      { cwd: app },
    );
    const installed = await readdir(path.join(app, 'node_modules/@hotconf/client/dist'));
    expect(installed).to.include.members(['index.js', 'index.d.ts']);
    expect(installed.filter((f) => f.endsWith('.map'))).to.deep.equal([]);
    await writeFile(path.join(app, 'service.mjs'), SERVICE);

    const repo = await sb.repo({ 'orders.yml': 'db:\n  pool:\n    max: 42\n' });
    const server = await sb.server(repo);
    const { stdout } = await run(process.execPath, ['service.mjs'], {
      cwd: app,
      env: { ...process.env, SERVER: server.url },
      timeout: 20_000,
    });
    expect(stdout).to.equal('pool max 42\n');
  });
});
