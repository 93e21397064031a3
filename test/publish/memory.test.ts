import { expect } from 'chai';
import { readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { bearer, tokenFileText } from '../access/access-helpers.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { spawnServer, type ServerProcess } from '../helpers/spawn-server.js';

const TOKEN = 'bigdoc-reader-token-5e1';

/** VmRSS of a process, in bytes (Linux). */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error('no VmRSS');
  return Number(kb) * 1024;
}

/** GET, reading and dropping the body; resolves with the status. */
function get(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent: keepAlive }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** A ~1 MB JSON document: 10,000 keys of 100 bytes. */
function bigDocument(): string {
  const doc: Record<string, string> = {};
  for (let i = 0; i < 10_000; i++) doc[`key${String(i).padStart(5, '0')}`] = 'v'.repeat(88);
  return JSON.stringify(doc);
}

describe('memory under a read token walking profile names', function () {
  this.timeout(120_000);
  let repo: GitFixture;
  let server: ServerProcess | undefined;
  let tokens: string;

  before(async () => {
    repo = await GitFixture.create({ 'bigdoc.json': bigDocument(), 'other.yml': 'x: 1\n' });
    tokens = path.join(os.tmpdir(), `hotconf-memory-tokens-${process.pid}.yml`);
    await writeFile(
      tokens,
      tokenFileText([{ name: 'reader', token: TOKEN, services: ['bigdoc'] }]),
    );
    server = await spawnServer({ HOTCONF_REPO: repo.dir, HOTCONF_TOKENS_FILE: tokens });
  });

  after(async () => {
    server?.child.kill('SIGKILL');
    await server?.exited;
    keepAlive.destroy();
    await rm(tokens, { force: true });
    await repo.remove();
  });

  it('does not make documents for services a token cannot read when listing a label', async () => {
    const held = async () => {
      const text = await new Promise<string>((resolve, reject) => {
        http
          .get(`${server!.url}/metrics`, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve(body));
          })
          .on('error', reject);
      });
      return [...text.matchAll(/^hotconf_documents\{[^}]*\} (\d+)$/gm)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    };
    const before = await held();
    const head = await repo.head();
    const listed = await new Promise<string>((resolve, reject) => {
      http
        .get(`${server!.url}/v1/services?label=${head}`, { headers: bearer(TOKEN) }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        })
        .on('error', reject);
    });
    expect(JSON.parse(listed).services.map((s: { service: string }) => s.service)).to.deep.equal([
      'bigdoc',
    ]);
    // One document made (bigdoc at that commit), none for `other`, which this token cannot read.
    expect((await held()) - before).to.equal(1);
  });

  it('stays within a bound while 5,000 new profile names of a 1 MB document are read', async () => {
    const pid = server!.child.pid!;
    const url = (i: number) => `${server!.url}/v1/config/bigdoc/p${i}`;
    const auth = bearer(TOKEN);
    // Warm up: JIT, buffers, the first on-demand documents.
    for (let i = 0; i < 100; i++) expect(await get(url(i), auth)).to.equal(200);
    const before = await rssOf(pid);
    const bound = 200 * 2 ** 20;
    let peak = before;
    for (let start = 100; start < 5100; start += 250) {
      await Promise.all(
        Array.from({ length: 250 }, async (_, k) => {
          const status = await get(url(start + k), auth);
          if (status !== 200) throw new Error(`p${start + k} answered ${status}`);
        }),
      );
      peak = Math.max(peak, await rssOf(pid));
      // Fail early rather than drive the machine into swap when memory runs away.
      if (peak - before > bound) break;
    }
    expect(peak - before, `RSS grew ${((peak - before) / 2 ** 20).toFixed(0)} MiB`).to.be.below(
      bound,
    );
    expect(await get(`${server!.url}/health`, {})).to.equal(200);
  });
});
