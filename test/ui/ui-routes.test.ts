import { expect } from 'chai';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { Sandbox } from '../access/access-helpers.js';
import { request } from '../helpers/server.js';
import { CONSOLE_FILES } from './console-fixture.js';

/** The budget for everything `/ui` ships, gzipped. */
const BUDGET = 150 * 1024;

describe('GET /ui', () => {
  let sandbox: Sandbox;
  beforeEach(() => (sandbox = new Sandbox()));
  afterEach(() => sandbox.dispose());

  it('serves the page without a token, with a CSP that allows only the server itself', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    const server = await sandbox.server(repo, { tokensFile: await sandbox.tokenFile() });
    for (const path of ['/ui', '/ui/', '/ui/index.html']) {
      const page = await request(`${server.url}${path}`);
      expect(page.status, path).to.equal(200);
      expect(page.headers.get('content-type')).to.equal('text/html; charset=utf-8');
      expect(page.headers.get('cache-control')).to.equal('no-cache');
      expect(page.headers.get('x-content-type-options')).to.equal('nosniff');
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).to.match(/^default-src 'self'; script-src 'self'; style-src 'self';/);
      expect(csp).to.contain("frame-ancestors 'none'");
      expect(csp).not.to.match(/unsafe|https?:|\*/);
      expect(page.text).to.contain('<title>hotconf console</title>');
    }
  });

  it('ships under 150 kB gzipped, every file from the server, hashed assets cached for a year', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    const server = await sandbox.server(repo);
    // node:http, not fetch: fetch unzips silently, and the budget counts bytes on the wire.
    const raw = (path: string) =>
      new Promise<{ headers: http.IncomingHttpHeaders; status: number; bytes: Buffer }>(
        (resolve, reject) => {
          http
            .get(`${server.url}${path}`, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () =>
                resolve({
                  headers: res.headers,
                  status: res.statusCode ?? 0,
                  bytes: Buffer.concat(chunks),
                }),
              );
            })
            .on('error', reject);
        },
      );
    const page = await raw('/ui');
    const html = (await request(`${server.url}/ui`)).text;
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    const assets = urls.filter((u) => u !== 'data:,');
    expect(assets.every((u) => u.startsWith('/ui/'))).to.equal(true);
    expect(assets.map((u) => u.replace(/-[A-Z0-9]+\./, '-HASH.'))).to.have.members([
      '/ui/main-HASH.css',
      '/ui/main-HASH.js',
    ]);
    expect(page.headers['content-encoding']).to.equal('gzip');
    let total = page.bytes.length;
    for (const url of assets) {
      const { headers, status, bytes } = await raw(url);
      expect(status, url).to.equal(200);
      expect(headers['cache-control']).to.equal('public, max-age=31536000, immutable');
      expect(headers['content-type']).to.equal(
        url.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
      );
      expect(headers['content-security-policy']).to.match(/^default-src 'self'/);
      expect(headers['content-encoding']).to.equal('gzip');
      total += bytes.length;
      // Nothing in the script points outside the server.
      expect(gunzipSync(bytes).toString()).not.to.match(/https?:\/\/(?!www\.w3\.org)/);
    }
    expect(total).to.be.above(1000).and.below(BUDGET);
  });

  it('answers 304 to a matching If-None-Match, and leaves other /ui/ paths to a service named ui', async () => {
    const repo = await sandbox.repo({ ...CONSOLE_FILES, 'ui.yml': 'theme: dark\n' });
    const server = await sandbox.server(repo);
    const first = await request(`${server.url}/ui`);
    const again = await request(`${server.url}/ui`, {
      headers: { 'If-None-Match': first.headers.get('etag') as string },
    });
    expect(again.status).to.equal(304);
    const spring = await request(`${server.url}/ui/default`);
    expect(spring.status).to.equal(200);
    expect(spring.json.name).to.equal('ui');
    expect(spring.json.propertySources[0].source).to.deep.equal({ theme: 'dark' });
  });
});
