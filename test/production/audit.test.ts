import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HotconfServer } from '../../server/src/create-server.js';
import { request, startServer } from '../helpers/server.js';
import { AUDIT_KEY, buildAuditRepo, SECRET_HOST, type AuditRepo } from './audit-fixture.js';

const entry = (
  repo: AuditRepo,
  name: keyof AuditRepo['c'],
  author: string,
  message: string,
  changedKeys: string[],
) => ({
  id: repo.c[name],
  author,
  message,
  changedKeys,
});

/** History entries without their time, which git sets to the second of the commit. */
const withoutTime = (commits: { time: string }[]) =>
  commits.map(({ time, ...rest }) => {
    expect(Number.isNaN(Date.parse(time)), time).to.equal(false);
    return rest;
  });

describe('audit: history and diff', () => {
  let repo: AuditRepo;
  let server: HotconfServer;

  before(async () => {
    repo = await buildAuditRepo();
    server = await startServer({ repo: repo.fixture.dir, encryptKey: AUDIT_KEY });
  });

  after(async () => {
    await server.close();
    await repo.fixture.remove();
  });

  describe('GET /v1/history/{service}/{profiles}', () => {
    it('lists exactly the commits that changed the served document, newest first, with their keys', async () => {
      const res = await request(`${server.url}/v1/history/orders/dev`);
      expect(res.status).to.equal(200);
      expect(res.json).to.include({ service: 'orders', label: 'main' });
      expect(res.json.profiles).to.deep.equal(['dev']);
      expect(withoutTime(res.json.commits)).to.deep.equal([
        entry(repo, 'c8', 'Heidi', 'feature x is done', ['feature.x']),
        entry(repo, 'c7', 'Grace', 'debug logging and a cache', ['cache.ttl', 'logging.level']),
        entry(repo, 'c6', 'Frank', 'rotate the password, hide the host', [
          'db.host',
          'db.password',
          'db.pool.max',
        ]),
        entry(repo, 'c3', 'Carol', 'try feature x in dev', ['feature.x']),
        entry(repo, 'c1', 'Alice', 'initial', [
          'db.host',
          'db.password',
          'db.pool.max',
          'logging.level',
        ]),
      ]);
    });

    it('leaves out commits to other profiles and services, comment-only commits and refused commits', async () => {
      const res = await request(`${server.url}/v1/history/orders/default`);
      expect(res.json.commits.map((c: { id: string }) => c.id)).to.deep.equal([
        repo.c.c7,
        repo.c.c6,
        repo.c.c1,
      ]);
      const payments = await request(`${server.url}/v1/history/payments`);
      expect(withoutTime(payments.json.commits)).to.deep.equal([
        entry(repo, 'c7', 'Grace', 'debug logging and a cache', ['cache.ttl', 'logging.level']),
        entry(repo, 'c4', 'Dan', 'bill in dollars', ['currency']),
        entry(repo, 'c1', 'Alice', 'initial', ['currency', 'logging.level']),
      ]);
    });

    it('honours ?limit= and ?label=', async () => {
      const limited = await request(`${server.url}/v1/history/orders/dev?limit=2`);
      expect(limited.json.commits.map((c: { id: string }) => c.id)).to.deep.equal([
        repo.c.c8,
        repo.c.c7,
      ]);
      const tagged = await request(`${server.url}/v1/history/orders/dev?label=v1`);
      expect(tagged.json.label).to.equal('v1');
      expect(tagged.json.commits.map((c: { id: string }) => c.id)).to.deep.equal([
        repo.c.c3,
        repo.c.c1,
      ]);
      const time = tagged.json.commits[0].time as string;
      expect(time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    });

    it('answers bad input with a clear error', async () => {
      for (const limit of ['0', '101', 'ten', '-1', '1.5']) {
        const res = await request(`${server.url}/v1/history/orders/dev?limit=${limit}`);
        expect(res.status, limit).to.equal(400);
        expect(res.json.error).to.deep.equal({
          code: 'HC_INVALID_PARAMETER',
          message: 'limit must be a whole number from 1 to 100',
        });
      }
      const unknown = await request(`${server.url}/v1/history/shipping/dev`);
      expect(unknown.status).to.equal(404);
      expect(unknown.json.error).to.deep.equal({
        code: 'HC_SERVICE_NOT_FOUND',
        message: 'service shipping has no config at label main',
      });
      const label = await request(`${server.url}/v1/history/orders/dev?label=nope`);
      expect(label.status).to.equal(404);
      expect(label.json.error).to.deep.equal({
        code: 'HC_LABEL_NOT_FOUND',
        message: 'label nope does not exist',
      });
      const bad = await request(`${server.url}/v1/history/orders/dev?label=a..b`);
      expect(bad.status).to.equal(400);
      expect(bad.json.error.code).to.equal('HC_INVALID_LABEL');
      const name = await request(`${server.url}/v1/history/Orders!/dev`);
      expect(name.status).to.equal(400);
      expect(name.json.error.code).to.equal('HC_INVALID_NAME');
    });
  });

  describe('GET /v1/diff/{service}/{profiles}', () => {
    it('lists keys added, removed and changed between a tag and a branch, secrets masked', async () => {
      const res = await request(`${server.url}/v1/diff/orders/dev?from=v1&to=main`);
      expect(res.status).to.equal(200);
      expect(res.json).to.deep.equal({
        service: 'orders',
        profiles: ['dev'],
        from: 'v1',
        to: 'main',
        fromVersion: repo.c.c3,
        toVersion: repo.c.c8,
        added: { 'cache.ttl': 30 },
        removed: { 'feature.x': true },
        changed: {
          'db.host': { from: '******', to: '******' },
          'db.password': { from: '******', to: '******' },
          'db.pool.max': { from: 10, to: 20 },
          'logging.level': { from: 'info', to: 'debug' },
        },
      });
      for (const secret of ['first-pass', 'second-pass', 'orders-db', SECRET_HOST, '{cipher}'])
        expect(res.text).not.to.include(secret);
    });

    it('compares commit ids, short or full, and reports no difference for a no-op commit', async () => {
      const res = await request(
        `${server.url}/v1/diff/orders/default?from=${repo.c.c1.slice(0, 8)}&to=${repo.c.c2}`,
      );
      expect(res.status).to.equal(200);
      expect(res.json).to.include({
        from: repo.c.c1.slice(0, 8),
        to: repo.c.c2,
        fromVersion: repo.c.c1,
        toVersion: repo.c.c2,
      });
      expect(res.json).to.deep.include({ added: {}, removed: {}, changed: {} });
      const back = await request(
        `${server.url}/v1/diff/payments/default?from=${repo.c.c4}&to=${repo.c.c1}`,
      );
      expect(back.json).to.deep.include({
        added: {},
        removed: {},
        changed: { currency: { from: 'USD', to: 'EUR' } },
      });
    });

    it('refuses a side the gate refused, naming the problem', async () => {
      const res = await request(
        `${server.url}/v1/diff/orders/default?from=${repo.c.c1}&to=${repo.c.c5}`,
      );
      expect(res.status).to.equal(422);
      expect(res.json.error.code).to.equal('HC_DOCUMENT_INVALID');
      expect(res.json.error.message).to.equal(
        `orders (default) is not valid at ${repo.c.c5}, so it was never served there`,
      );
      expect(res.json.error.details).to.deep.equal([
        {
          file: 'orders.yml',
          path: '/db/pool/max',
          line: 5,
          message: '`db.pool.max` must be <= 500 — orders.yml line 5',
        },
      ]);
    });

    it('answers missing, malformed and unknown revisions with a clear error', async () => {
      const missing = await request(`${server.url}/v1/diff/orders/dev?from=v1`);
      expect(missing.status).to.equal(400);
      expect(missing.json.error).to.deep.equal({
        code: 'HC_INVALID_PARAMETER',
        message: 'to is required: a branch, tag or commit id',
      });
      const twice = await request(`${server.url}/v1/diff/orders/dev?from=v1&from=main&to=main`);
      expect(twice.json.error).to.deep.equal({
        code: 'HC_INVALID_PARAMETER',
        message: 'from may be given once',
      });
      const unknown = await request(`${server.url}/v1/diff/orders/dev?from=v9&to=main`);
      expect(unknown.status).to.equal(404);
      expect(unknown.json.error).to.deep.equal({
        code: 'HC_LABEL_NOT_FOUND',
        message: 'label v9 does not exist',
      });
      const bad = await request(`${server.url}/v1/diff/orders/dev?from=--upload-pack=x&to=main`);
      expect(bad.status).to.equal(400);
      expect(bad.json.error.code).to.equal('HC_INVALID_LABEL');
      const service = await request(`${server.url}/v1/diff/shipping/dev?from=v1&to=main`);
      expect(service.status).to.equal(404);
      expect(service.json.error.code).to.equal('HC_SERVICE_NOT_FOUND');
    });
  });
});

describe('audit: access', () => {
  let repo: AuditRepo;
  let server: HotconfServer;
  let dir: string;
  const hash = (t: string) => createHash('sha256').update(t).digest('hex');

  before(async () => {
    repo = await buildAuditRepo();
    dir = await mkdtemp(path.join(os.tmpdir(), 'hotconf-tokens-'));
    const tokensFile = path.join(dir, 'tokens.yml');
    await writeFile(
      tokensFile,
      `tokens:\n  - name: payments\n    sha256: ${hash('payments-token')}\n    services: [payments]\n`,
    );
    server = await startServer({ repo: repo.fixture.dir, encryptKey: AUDIT_KEY, tokensFile });
  });

  after(async () => {
    await server.close();
    await repo.fixture.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('needs a token that may read the service', async () => {
    for (const route of ['/v1/history/orders/dev', '/v1/diff/orders/dev?from=v1&to=main']) {
      const anonymous = await request(server.url + route);
      expect(anonymous.status, route).to.equal(401);
      expect(anonymous.json.error.code).to.equal('HC_UNAUTHORIZED');
      const other = await request(server.url + route, {
        headers: { Authorization: 'Bearer payments-token' },
      });
      expect(other.status, route).to.equal(403);
      expect(other.json.error).to.deep.equal({
        code: 'HC_FORBIDDEN',
        message: 'this token may not read service orders',
      });
    }
    const own = await request(`${server.url}/v1/history/payments/default`, {
      headers: { Authorization: 'Bearer payments-token' },
    });
    expect(own.status).to.equal(200);
    expect(own.json.commits).to.have.length(3);
  });
});
