import { expect } from 'chai';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, startServer } from '../helpers/server.js';
import { pollUntil } from '../helpers/wait-for.js';

describe('native HTTP API', () => {
  let repo: GitFixture;
  let server: HotconfServer;

  afterEach(async () => {
    await server?.close();
    await repo?.remove();
  });

  describe('GET /v1/config/{service}/{profiles}', () => {
    beforeEach(async () => {
      repo = await GitFixture.create({
        'application.yml': 'timeout: 5\n',
        'orders.yml': 'pool: 10\n',
        'orders-dev.yml': 'pool: 3\n',
      });
      server = await startServer({ repo: repo.dir });
    });

    it('returns service, profiles, label, version, etag, config and sources', async () => {
      const reply = await request(`${server.url}/v1/config/orders/dev`);
      expect(reply.status).to.equal(200);
      expect(reply.headers.get('content-type')).to.match(/^application\/json/);
      expect(reply.json).to.deep.equal({
        service: 'orders',
        profiles: ['dev'],
        label: 'main',
        version: await repo.head(),
        etag: reply.json.etag,
        config: { timeout: 5, pool: 3 },
        sources: ['orders-dev.yml', 'orders.yml', 'application.yml'],
      });
      expect(reply.headers.get('etag')).to.equal(`"${reply.json.etag}"`);
    });

    it('answers 304 to If-None-Match with the current etag, and 200 once it changed', async () => {
      const first = await request(`${server.url}/v1/config/orders/dev`);
      const etag = first.headers.get('etag') as string;
      const again = await request(`${server.url}/v1/config/orders/dev`, {
        headers: { 'If-None-Match': etag },
      });
      expect(again.status).to.equal(304);
      expect(again.text).to.equal('');
      await repo.commit({ 'orders-dev.yml': 'pool: 4\n' });
      await server.parts?.detector.refresh();
      await server.parts?.publisher.settled();
      const changed = await request(`${server.url}/v1/config/orders/dev`, {
        headers: { 'If-None-Match': etag },
      });
      expect(changed.status).to.equal(200);
      expect(changed.json.config.pool).to.equal(4);
    });

    it('serves a commit made after start on the next GET', async () => {
      const commit = await repo.commit({ 'orders.yml': 'pool: 77\n' });
      // The refs watcher sees the commit within milliseconds; poll briefly rather than assume.
      const body = await pollUntil(
        async () => (await request(`${server.url}/v1/config/orders/default`)).json,
        (b) => b.version === commit,
      );
      expect(body.version).to.equal(commit);
      expect(body.config.pool).to.equal(77);
    });

    it('answers 404 HC_SERVICE_NOT_FOUND for a service no file names', async () => {
      const reply = await request(`${server.url}/v1/config/billing/dev`);
      expect(reply.status).to.equal(404);
      expect(reply.json).to.deep.equal({
        error: {
          code: 'HC_SERVICE_NOT_FOUND',
          message: 'service billing has no config at label main',
        },
      });
    });

    it('answers 404 HC_LABEL_NOT_FOUND for an unknown label', async () => {
      const reply = await request(`${server.url}/v1/config/orders/dev?label=nope`);
      expect(reply.status).to.equal(404);
      expect(reply.json.error).to.deep.equal({
        code: 'HC_LABEL_NOT_FOUND',
        message: 'label nope does not exist',
      });
    });
  });

  describe('labels', () => {
    it('serves branches, tags, full and short commit ids, and older commits serve older values', async () => {
      repo = await GitFixture.create({ 'orders.yml': 'v: 1\n' });
      const first = await repo.head();
      await repo.git('tag', 'v1.0');
      await repo.git('tag', '-a', 'v1.0-annotated', '-m', 'release');
      await repo.git('checkout', '-q', '-b', 'release/2');
      await repo.commit({ 'orders.yml': 'v: 2\n' });
      await repo.git('checkout', '-q', 'main');
      const third = await repo.commit({ 'orders.yml': 'v: 3\n' });
      server = await startServer({ repo: repo.dir });

      const v = async (label?: string) => {
        const reply = await request(
          `${server.url}/v1/config/orders/default${label ? `?label=${encodeURIComponent(label)}` : ''}`,
        );
        expect(reply.status, reply.text).to.equal(200);
        return reply.json;
      };
      expect((await v()).config.v).to.equal(3);
      expect((await v()).version).to.equal(third);
      expect((await v('main')).config.v).to.equal(3);
      expect((await v('release/2')).config.v).to.equal(2);
      expect((await v('v1.0')).config.v).to.equal(1);
      expect((await v('v1.0-annotated')).config.v).to.equal(1);
      expect((await v('v1.0-annotated')).version).to.equal(first);
      expect((await v(first)).config.v).to.equal(1);
      expect((await v(first.slice(0, 7))).config.v).to.equal(1);
      expect((await v(first.slice(0, 7))).label).to.equal(first.slice(0, 7));
    });
  });

  describe('GET /v1/services', () => {
    it('lists each service with its profiles and each document state', async () => {
      repo = await GitFixture.create({
        'application.yml': 'a: 1\n',
        'application-prod.yml': 'a: 2\n',
        'orders.yml': 'a: 3\n',
        'orders-dev.yml': 'a: 4\n',
        'camera-registry.yml': 'a: 5\n',
        'schemas/orders.schema.json': '{"type":"object"}',
      });
      server = await startServer({ repo: repo.dir });
      const reply = await request(`${server.url}/v1/services`);
      expect(reply.status).to.equal(200);
      expect(reply.json.label).to.equal('main');
      const summary = reply.json.services.map((s: any) => [
        s.service,
        s.documents.map((d: any) => `${d.profiles.join(',')}:${d.state}`),
      ]);
      expect(summary).to.deep.equal([
        ['camera-registry', ['default:unvalidated', 'prod:unvalidated']],
        ['orders', ['default:ok', 'dev:ok', 'prod:ok']],
      ]);
    });
  });

  describe('health and readiness', () => {
    it('answers /health and /ready with 200 once the repository is loaded', async () => {
      repo = await GitFixture.create({ 'orders.yml': 'a: 1\n' });
      server = await startServer({ repo: repo.dir });
      expect((await request(`${server.url}/health`)).json).to.deep.equal({ status: 'ok' });
      const ready = await request(`${server.url}/ready`);
      expect(ready.status).to.equal(200);
      expect(ready.json).to.deep.equal({ status: 'ready' });
    });
  });

  describe('repository forms', () => {
    let tmp: string | undefined;
    afterEach(async () => {
      if (tmp) await rm(tmp, { recursive: true, force: true });
      tmp = undefined;
    });

    it('serves a folder inside a larger repository from git, at that folder', async () => {
      repo = await GitFixture.create({
        'README.md': 'project\n',
        'config/orders.yml': 'where: committed\n',
        'orders.yml': 'where: root\n',
      });
      await repo.write({ 'config/orders.yml': 'where: uncommitted working tree\n' });
      server = await startServer({ repo: path.join(repo.dir, 'config') });
      const body = (await request(`${server.url}/v1/config/orders/default`)).json;
      expect(body.config).to.deep.equal({ where: 'committed' });
      expect(body.sources).to.deep.equal(['config/orders.yml']);
    });

    it('serves HOTCONF_SEARCH_PATH inside the repository', async () => {
      repo = await GitFixture.create({
        'envs/prod/orders.yml': 'where: search path\n',
        'orders.yml': 'where: root\n',
      });
      server = await startServer({ repo: repo.dir, searchPath: 'envs/prod' });
      expect((await request(`${server.url}/v1/config/orders/default`)).json.config).to.deep.equal({
        where: 'search path',
      });
    });

    it('initialises a plain folder as a repository with one commit', async () => {
      tmp = await mkdtemp(path.join(os.tmpdir(), 'hotconf-plain-'));
      await mkdir(path.join(tmp, 'schemas'));
      await writeFile(path.join(tmp, 'orders.yml'), 'plain: true\n');
      server = await startServer({ repo: tmp });
      const body = (await request(`${server.url}/v1/config/orders/default`)).json;
      expect(body.config).to.deep.equal({ plain: true });
      expect(body.version).to.match(/^[0-9a-f]{40}$/);
    });

    it('rejects a repository path that does not exist with a clear message', async () => {
      const missing = path.join(os.tmpdir(), 'hotconf-no-such-folder');
      const s = (await import('../../server/src/create-server.js')).createServer({
        repo: missing,
        port: 0,
        logLevel: 'silent',
      });
      let message = '';
      await s.listen().catch((e: Error) => (message = e.message));
      await s.close();
      expect(message).to.equal(`repository folder ${missing} does not exist`);
    });
  });

  describe('a file that does not parse', () => {
    it('fails only that document, with 503 naming the file and line', async () => {
      repo = await GitFixture.create({
        'orders.yml': 'db:\n  pool: [1, 2\n',
        'payments.yml': 'ok: true\n',
      });
      server = await startServer({ repo: repo.dir });
      const bad = await request(`${server.url}/v1/config/orders/default`);
      expect(bad.status).to.equal(503);
      expect(bad.json.error.code).to.equal('HC_DOCUMENT_INVALID');
      expect(bad.json.error.details[0].file).to.equal('orders.yml');
      expect(bad.json.error.details[0].line).to.be.a('number');
      expect(bad.json.error.details[0].message).to.match(/^orders\.yml line \d+: /);
      expect(bad.text).to.not.match(/at .*\.js|\/tmp\//);
      expect((await request(`${server.url}/v1/config/payments/default`)).json.config).to.deep.equal(
        { ok: true },
      );
    });
  });
});
