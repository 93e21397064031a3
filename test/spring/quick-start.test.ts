import { expect } from 'chai';
import { parse } from 'yaml';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, startServer } from '../helpers/server.js';

// A repository laid out like github.com/spring-cloud-samples/config-repo, the one Spring
// Cloud Config's Quick Start serves (our own values). Expected answers follow:
// - the Quick Start's `curl localhost:8888/foo/development` response: sources
//   foo-development.properties, foo.properties, application.yml (document #0), in that order;
// - Spring Boot's YamlPropertySourceLoader / PropertiesPropertySourceLoader, which name a
//   document `<name> (document #N)` (N from 0) when a file holds more than one;
// - Spring Boot's "profile-specific files always override the non-specific ones" and
//   "later documents override earlier ones" (Externalized Configuration), with the
//   application's own file above `application` (Spring Cloud Config's config names);
// - Spring Cloud Config's EnvironmentController: an application with no file of its own
//   gets the shared `application*` sources, and `.yml`/`.properties` renderings resolve
//   `${…}` (resolvePlaceholders defaults to true there).
const REPO = {
  'application.yml': [
    'info:',
    '  description: Spring Cloud Samples',
    '  url: https://github.com/spring-cloud-samples',
    'eureka:',
    '  client:',
    '    serviceUrl:',
    '      defaultZone: http://${eureka.host:localhost}:8761/eureka/',
    'foo: baz',
    '---',
    'spring:',
    '  config:',
    '    activate:',
    '      on-profile: cloud',
    'eureka.instance.hostname: cloud.example.com',
    'foo: from cloud',
    '',
  ].join('\n'),
  'foo.properties': 'foo: from foo props\ndemoconfigclient.message: hello spring io\n',
  'foo-development.properties': 'bar: spam\nfoo: from foo development\n',
  'foo-dev.yml': 'bar: from foo-dev yml\n',
  'foo-db.properties': 'foo.db.name: mycooldb\n',
  'bar.properties': 'foo: bar\n',
};

const APP_DOC0 = {
  'info.description': 'Spring Cloud Samples',
  'info.url': 'https://github.com/spring-cloud-samples',
  'eureka.client.serviceUrl.defaultZone': 'http://${eureka.host:localhost}:8761/eureka/',
  foo: 'baz',
};
const FOO = { foo: 'from foo props', 'democonfigclient.message': 'hello spring io' };
const FOO_DEVELOPMENT = { bar: 'spam', foo: 'from foo development' };

describe('a Spring Cloud Config quick-start repository', () => {
  let repo: GitFixture;
  let server: HotconfServer;

  before(async () => {
    repo = await GitFixture.create(REPO);
    server = await startServer({ repo: repo.dir });
  });

  after(async () => {
    await server.close();
    await repo.remove();
  });

  const sources = async (path: string) => {
    const reply = await request(`${server.url}${path}`);
    expect(reply.status, reply.text).to.equal(200);
    return reply.json.propertySources as { name: string; source: unknown }[];
  };

  it("answers GET /foo/development with Spring's sources in Spring's order", async () => {
    const reply = await request(`${server.url}/foo/development`);
    expect(reply.status).to.equal(200);
    expect(reply.json).to.deep.equal({
      name: 'foo',
      profiles: ['development'],
      label: null,
      version: await repo.head(),
      state: null,
      propertySources: [
        { name: 'foo-development.properties', source: FOO_DEVELOPMENT },
        { name: 'foo.properties', source: FOO },
        { name: 'application.yml (document #0)', source: APP_DOC0 },
      ],
    });
  });

  it('answers /foo/development,db with the later profile first', async () => {
    expect(await sources('/foo/development,db')).to.deep.equal([
      { name: 'foo-db.properties', source: { 'foo.db.name': 'mycooldb' } },
      { name: 'foo-development.properties', source: FOO_DEVELOPMENT },
      { name: 'foo.properties', source: FOO },
      { name: 'application.yml (document #0)', source: APP_DOC0 },
    ]);
  });

  it('answers /foo/dev from foo-dev.yml: a profile of foo, not a service of its own', async () => {
    expect(await sources('/foo/dev')).to.deep.equal([
      { name: 'foo-dev.yml', source: { bar: 'from foo-dev yml' } },
      { name: 'foo.properties', source: FOO },
      { name: 'application.yml (document #0)', source: APP_DOC0 },
    ]);
  });

  it('answers /foo/cloud with the cloud document above the first, both below foo.properties', async () => {
    expect(await sources('/foo/cloud')).to.deep.equal([
      { name: 'foo.properties', source: FOO },
      {
        name: 'application.yml (document #1)',
        source: {
          'spring.config.activate.on-profile': 'cloud',
          'eureka.instance.hostname': 'cloud.example.com',
          foo: 'from cloud',
        },
      },
      { name: 'application.yml (document #0)', source: APP_DOC0 },
    ]);
  });

  it('answers /unknownapp/default with 200 and the application sources', async () => {
    const reply = await request(`${server.url}/unknownapp/default`);
    expect(reply.status).to.equal(200);
    expect(reply.json.name).to.equal('unknownapp');
    expect(reply.json.propertySources).to.deep.equal([
      { name: 'application.yml (document #0)', source: APP_DOC0 },
    ]);
  });

  it('keeps the native API at 404 for a name no file mentions', async () => {
    const reply = await request(`${server.url}/v1/config/unknownapp/default`);
    expect(reply.status).to.equal(404);
    expect(reply.json.error.code).to.equal('HC_SERVICE_NOT_FOUND');
  });

  it('serves the native document with .properties values nested, as strings', async () => {
    const reply = await request(`${server.url}/v1/config/foo/db`);
    expect(reply.status).to.equal(200);
    expect(reply.json.config.foo).to.deep.equal({ db: { name: 'mycooldb' } });
    expect(reply.json.sources).to.deep.equal([
      'foo-db.properties',
      'foo.properties',
      'application.yml',
    ]);
  });

  it('answers comma-separated applications as Spring does: the later application wins', async () => {
    const reply = await request(`${server.url}/foo,bar/default`);
    expect(reply.status).to.equal(200);
    expect(reply.json.name).to.equal('foo,bar');
    expect(reply.json.propertySources.map((p: { name: string }) => p.name)).to.deep.equal([
      'bar.properties',
      'foo.properties',
      'application.yml (document #0)',
    ]);
  });

  it("merges comma-separated labels, the last label winning (Spring's last-label-wins)", async () => {
    await repo.git('checkout', '-q', '-b', 'feature');
    await repo.commit({ 'foo.properties': 'foo: from feature\n' });
    await repo.git('checkout', '-q', 'main');
    const reply = await request(`${server.url}/foo/default/main,feature`);
    expect(reply.status).to.equal(200);
    expect(reply.json.label).to.equal('main,feature');
    expect(reply.json.propertySources.map((p: { name: string }) => p.name)).to.deep.equal([
      'foo.properties',
      'application.yml (document #0)',
      'foo.properties',
      'application.yml (document #0)',
    ]);
    expect(reply.json.propertySources[0].source).to.deep.equal({ foo: 'from feature' });
    const missing = await request(`${server.url}/foo/default/main,nosuch`);
    expect(missing.status).to.equal(404);
    expect(missing.json.error.code).to.equal('HC_LABEL_NOT_FOUND');
  });

  it('renders /foo-development.properties merged, with placeholders resolved', async () => {
    const reply = await request(`${server.url}/foo-development.properties`);
    expect(reply.status).to.equal(200);
    expect(reply.text).to.equal(
      [
        'bar: spam',
        'democonfigclient.message: hello spring io',
        'eureka.client.serviceUrl.defaultZone: http://localhost:8761/eureka/',
        'foo: from foo development',
        'info.description: Spring Cloud Samples',
        'info.url: https://github.com/spring-cloud-samples',
        '',
      ].join('\n'),
    );
  });

  it('renders /foo-development.yml merged, with placeholders resolved', async () => {
    const reply = await request(`${server.url}/foo-development.yml`);
    expect(reply.status).to.equal(200);
    expect(parse(reply.text)).to.deep.equal({
      info: { description: 'Spring Cloud Samples', url: 'https://github.com/spring-cloud-samples' },
      eureka: { client: { serviceUrl: { defaultZone: 'http://localhost:8761/eureka/' } } },
      foo: 'from foo development',
      bar: 'spam',
      democonfigclient: { message: 'hello spring io' },
    });
  });
});
