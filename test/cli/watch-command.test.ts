import { expect } from 'chai';
import { spawn } from 'node:child_process';
import type { HotconfServer } from '../../server/src/create-server.js';
import { CLI } from '../helpers/cli.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { startServer } from '../helpers/server.js';

describe('hotconf watch', () => {
  let repo: GitFixture;
  let server: HotconfServer;

  beforeEach(async () => {
    repo = await GitFixture.create({ 'orders.yml': 'db:\n  pool: 10\n' });
    server = await startServer({ repo: repo.dir });
  });

  afterEach(async () => {
    await server.close();
    await repo.remove();
  });

  it('prints the document, then each change with the changed keys and new values', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'watch', 'orders', 'default', '--server', server.url],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    const seen = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no "${text}" in: ${out}`)), 15_000);
        const check = () => {
          if (out.includes(text)) {
            clearTimeout(t);
            resolve();
          }
        };
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          check();
        });
        check();
      });
    try {
      await seen('  db.pool = 10');
      const commit = await repo.commit({ 'orders.yml': 'db:\n  pool: 25\n' });
      await seen(`change → ${commit.slice(0, 12)}: db.pool`);
      await seen('  db.pool = 25');
      child.kill('SIGINT');
      const code = await new Promise((resolve) => child.on('exit', resolve));
      expect(code).to.equal(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
