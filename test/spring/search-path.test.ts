import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { loadSettings } from '../../server/src/settings.js';
import { runHotconf } from '../helpers/cli.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, settle, startServer, WatchClient } from '../helpers/server.js';

// Expected values follow Spring Cloud Config's `AbstractScmAccessor#getSearchLocations`:
// the top level ("/") is always searched first, then each search-path entry with
// {application}, {profile} and {label} filled in (once per profile), each kept only when it
// is an existing folder (Ant patterns: `*` within one folder name). The locations go to
// Spring Boot as `spring.config.location`, where a later location wins, so a file in a
// search folder ranks above a top-level file.

interface PropertySource {
  name: string;
  source: Record<string, unknown>;
}

const names = (body: { propertySources: PropertySource[] }) =>
  body.propertySources.map((p) => p.name);

describe('HOTCONF_SEARCH_PATH as Spring search-paths', () => {
  let repo: GitFixture;
  let server: HotconfServer | undefined;
  const clients: WatchClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server?.close();
    server = undefined;
    await repo?.remove();
  });

  describe('a folder per service ({application})', () => {
    beforeEach(async () => {
      repo = await GitFixture.create({
        'application.yml': 'shared: top\nwho: application\n',
        'orders/orders.yml': 'who: orders\ndb:\n  pool: 10\n',
        'orders/orders-prod.yml': 'db:\n  pool: 50\n',
        'payments/payments.yml': 'who: payments\n',
      });
      server = await startServer({ repo: repo.dir, searchPath: '{application}' });
    });

    it('serves each service from its own folder, above the top-level application.yml', async () => {
      const orders = await request(`${server!.url}/v1/config/orders/prod`);
      expect(orders.status).to.equal(200);
      expect(orders.json.config).to.deep.equal({
        who: 'orders',
        shared: 'top',
        db: { pool: 50 },
      });
      expect(orders.json.sources).to.deep.equal([
        'orders/orders-prod.yml',
        'orders/orders.yml',
        'application.yml',
      ]);
      const payments = await request(`${server!.url}/v1/config/payments/default`);
      expect(payments.json.config).to.deep.equal({ who: 'payments', shared: 'top' });
      expect(payments.json.sources).to.deep.equal(['payments/payments.yml', 'application.yml']);
    });

    it('names the files with their folder in Spring property sources', async () => {
      const reply = await request(`${server!.url}/orders/prod`);
      expect(reply.status).to.equal(200);
      expect(names(reply.json)).to.deep.equal([
        'orders/orders-prod.yml',
        'orders/orders.yml',
        'application.yml',
      ]);
      expect(reply.json.propertySources[0].source).to.deep.equal({ 'db.pool': 50 });
    });

    it('serves plain-text files from the service folder, the top level first as in Spring', async () => {
      await repo.commit({
        'orders/nginx.conf': 'pool ${db.pool};\n',
        'payments/nginx.conf': 'payments\n',
      });
      await settle(server!);
      const reply = await request(`${server!.url}/orders/prod/main/nginx.conf`);
      expect(reply.status).to.equal(200);
      expect(reply.text).to.equal('pool 50;\n');
      await repo.commit({ 'nginx.conf': 'top level\n' });
      await settle(server!);
      // GenericResourceRepository walks its locations from "/" on and returns the first found.
      expect((await request(`${server!.url}/orders/prod/main/nginx.conf`)).text).to.equal(
        'top level\n',
      );
    });

    it('knows a service by its folder alone, and still answers 404 for a name nothing mentions', async () => {
      await repo.commit({ 'inventory/application.yml': 'who: inventory folder\n' });
      await settle(server!);
      const reply = await request(`${server!.url}/v1/config/inventory/default`);
      expect(reply.status).to.equal(200);
      expect(reply.json.config).to.deep.equal({ who: 'inventory folder', shared: 'top' });
      expect(reply.json.sources).to.deep.equal(['inventory/application.yml', 'application.yml']);
      const typo = await request(`${server!.url}/v1/config/invetory/default`);
      expect(typo.status).to.equal(404);
      expect(typo.json.error.code).to.equal('HC_SERVICE_NOT_FOUND');
    });

    it('never reads another service folder', async () => {
      const reply = await request(`${server!.url}/v1/config/payments/prod`);
      expect(reply.json.sources).to.deep.equal(['payments/payments.yml', 'application.yml']);
    });

    it('pushes a commit in orders/ to orders subscribers and not to payments ones', async () => {
      const orders = await WatchClient.open(server!.url);
      const payments = await WatchClient.open(server!.url);
      clients.push(orders, payments);
      orders.subscribe('o', 'orders', ['prod']);
      payments.subscribe('p', 'payments', ['default']);
      await orders.waitFor(1);
      await payments.waitFor(1);
      const commit = await repo.commit({ 'orders/orders-prod.yml': 'db:\n  pool: 60\n' });
      const change = await orders.waitUntil(
        (m) => m.type === 'change' && m.version === commit,
        10_000,
      );
      expect(change).to.deep.include({ id: 'o', changedKeys: ['db.pool'] });
      // The server has published the commit: anything for payments would have been sent by now.
      await settle(server!);
      const served = await request(`${server!.url}/v1/config/payments/default`);
      expect(served.json.version).to.equal(commit);
      expect(payments.messages.map((m) => m.type)).to.deep.equal(['snapshot']);
    });

    it('lists history of a document from commits to its search folder', async () => {
      const first = await repo.head();
      const second = await repo.commit(
        { 'orders/orders.yml': 'who: orders\ndb:\n  pool: 11\n' },
        'pool 11',
      );
      await repo.commit({ 'payments/payments.yml': 'who: payments2\n' }, 'payments only');
      const third = await repo.commit({ 'orders/orders-prod.yml': 'db:\n  pool: 70\n' }, 'prod 70');
      await settle(server!);
      const reply = await request(`${server!.url}/v1/history/orders/prod`);
      expect(reply.status).to.equal(200);
      expect(
        reply.json.commits.map((c: { id: string; changedKeys: string[] }) => [c.id, c.changedKeys]),
      ).to.deep.equal([
        [third, ['db.pool']],
        [first, ['db.pool', 'shared', 'who']],
      ]);
      // orders-prod.yml overrides db.pool: the pool 11 commit changed nothing served.
      const plain = await request(`${server!.url}/v1/history/orders/default`);
      expect(plain.json.commits.map((c: { id: string }) => c.id)).to.deep.equal([second, first]);
    });
  });

  it('searches {profile} folders for the requested profiles, a later profile winning', async () => {
    repo = await GitFixture.create({
      'orders.yml': 'where: top\nlevel: top\n',
      'prod/orders.yml': 'where: prod\n',
      'eu/orders.yml': 'where: eu\nregion: eu\n',
    });
    server = await startServer({ repo: repo.dir, searchPath: '{profile}' });
    const prod = await request(`${server.url}/v1/config/orders/prod`);
    expect(prod.json.config).to.deep.equal({ where: 'prod', level: 'top' });
    expect(prod.json.sources).to.deep.equal(['prod/orders.yml', 'orders.yml']);
    const both = await request(`${server.url}/orders/prod,eu`);
    expect(names(both.json)).to.deep.equal(['eu/orders.yml', 'prod/orders.yml', 'orders.yml']);
    const none = await request(`${server.url}/v1/config/orders/default`);
    expect(none.json.sources).to.deep.equal(['orders.yml']);
  });

  it('matches * against one folder level, later folders (by name) winning', async () => {
    repo = await GitFixture.create({
      'application.yml': 'level: top\n',
      'teams/a/orders.yml': 'team: a\nonly-a: 1\n',
      'teams/b/orders.yml': 'team: b\n',
      'teams/b/deeper/orders.yml': 'team: too deep\n',
    });
    server = await startServer({ repo: repo.dir, searchPath: 'teams/*' });
    const reply = await request(`${server.url}/v1/config/orders/default`);
    expect(reply.json.config).to.deep.equal({ team: 'b', 'only-a': 1, level: 'top' });
    expect(reply.json.sources).to.deep.equal([
      'teams/b/orders.yml',
      'teams/a/orders.yml',
      'application.yml',
    ]);
  });

  it('ranks a search-folder file above the top-level file of the same name', async () => {
    repo = await GitFixture.create({
      'orders.yml': 'where: top\ntop-only: 1\n',
      'config/orders.yml': 'where: config\n',
    });
    server = await startServer({ repo: repo.dir, searchPath: 'config' });
    const reply = await request(`${server.url}/orders/default`);
    expect(names(reply.json)).to.deep.equal(['config/orders.yml', 'orders.yml']);
    const native = await request(`${server.url}/v1/config/orders/default`);
    expect(native.json.config).to.deep.equal({ where: 'config', 'top-only': 1 });
  });

  it('fills {label} with the branch asked for', async () => {
    repo = await GitFixture.create({
      'orders.yml': 'where: top\n',
      'main/orders.yml': 'where: main folder\n',
      'release/orders.yml': 'where: release folder on main\n',
    });
    await repo.git('checkout', '-q', '-b', 'release');
    await repo.commit({ 'release/orders.yml': 'where: release folder\n' });
    await repo.git('checkout', '-q', '-b', 'feature/x');
    await repo.commit({ 'feature/x/orders.yml': 'where: feature folder\n' });
    await repo.git('checkout', '-q', 'main');
    server = await startServer({ repo: repo.dir, searchPath: '{label}' });
    const main = await request(`${server.url}/v1/config/orders/default?label=main`);
    expect(main.json.config).to.deep.equal({ where: 'main folder' });
    expect(main.json.sources).to.deep.equal(['main/orders.yml', 'orders.yml']);
    const release = await request(`${server.url}/orders/default/release`);
    expect(names(release.json)).to.deep.equal(['release/orders.yml', 'orders.yml']);
    expect(release.json.propertySources[0].source).to.deep.equal({ where: 'release folder' });
    // A label with `/` (Spring's `(_)` form in the path) names nested folders, as in Spring.
    const feature = await request(`${server.url}/orders/default/feature(_)x`);
    expect(names(feature.json)).to.deep.equal(['feature/x/orders.yml', 'orders.yml']);
  });

  it('validates search folders with hotconf validate --search-path', async () => {
    repo = await GitFixture.create({
      'application.yml': 'shared: 1\n',
      'orders/orders.yml': 'db:\n  pool: 900\n',
      'schemas/orders.schema.json': JSON.stringify({
        type: 'object',
        properties: { db: { type: 'object', properties: { pool: { maximum: 500 } } } },
      }),
    });
    const without = await runHotconf(['validate', repo.dir, '--ref', 'main']);
    expect(without.code).to.equal(0);
    const result = await runHotconf(['validate', repo.dir, '--search-path', '{application}']);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.equal(
      'orders [default]: `db.pool` must be <= 500 — orders/orders.yml line 2\n',
    );
    expect(result.stderr).to.equal('0 of 1 documents valid in the working tree\n');
    const atRef = await runHotconf([
      'validate',
      repo.dir,
      '--ref',
      'main',
      '--search-path',
      '{application}',
    ]);
    expect(atRef.code).to.equal(1);
    expect(atRef.stdout).to.equal(
      'orders [default]: `db.pool` must be <= 500 — orders/orders.yml line 2\n',
    );
    const bad = await runHotconf(['validate', repo.dir, '--search-path', '../elsewhere']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('--search-path entry "../elsewhere" leaves the repository (..)');
  });

  describe('settings check', () => {
    const refused = (value: string) => {
      try {
        loadSettings({ HOTCONF_SEARCH_PATH: value }, {});
      } catch (error) {
        expect(error).to.be.instanceOf(TypeError);
        return (error as Error).message;
      }
      throw new Error(`${value} was accepted`);
    };
    const advice =
      'each entry must be a folder inside the repository, like config or {application}';

    it('refuses .. with the setting and the entry named', () => {
      expect(refused('config,../secrets')).to.equal(
        `HOTCONF_SEARCH_PATH entry "../secrets" leaves the repository (..): ${advice}`,
      );
      expect(refused('a/../../b')).to.equal(
        `HOTCONF_SEARCH_PATH entry "a/../../b" leaves the repository (..): ${advice}`,
      );
    });

    it('refuses absolute paths', () => {
      expect(refused('/etc')).to.equal(`HOTCONF_SEARCH_PATH entry "/etc" is absolute: ${advice}`);
      expect(refused('C:/config')).to.equal(
        `HOTCONF_SEARCH_PATH entry "C:/config" is absolute: ${advice}`,
      );
    });

    it('refuses ** and unknown placeholders', () => {
      expect(refused('**')).to.equal(
        `HOTCONF_SEARCH_PATH entry "**" uses **, which hotconf does not search (use * for one folder level): ${advice}`,
      );
      expect(refused('{app}')).to.equal(
        `HOTCONF_SEARCH_PATH entry "{app}" has a character or placeholder hotconf does not know: ${advice}`,
      );
    });

    it('accepts a list with placeholders and wildcards', () => {
      const settings = loadSettings(
        { HOTCONF_SEARCH_PATH: '{application}, teams/*, ./{profile}/' },
        {},
      );
      expect(settings.searchPath).to.equal('{application}, teams/*, ./{profile}/');
    });
  });
});
