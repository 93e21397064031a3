import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, startServer } from '../helpers/server.js';

const SCHEMA = JSON.stringify({
  type: 'object',
  properties: {
    server: { type: 'object', properties: { port: { type: 'integer', maximum: 65535 } } },
    feature: { type: 'object', properties: { enabled: { type: 'boolean' } } },
    ratio: { type: 'number' },
    name: { type: 'string' },
    quoted: { type: 'integer' },
    hosts: { type: 'array', items: { type: 'integer' } },
  },
});

// DESIGN §2a: `.properties` values are strings; where the schema asks for a number or
// boolean the gate converts them and the native document carries the converted value, while
// Spring's Environment JSON keeps the file's string (as Spring Cloud Config serves it).
async function withServer(
  files: Record<string, string>,
  fn: (url: string) => Promise<void>,
): Promise<void> {
  const repo = await GitFixture.create(files);
  const server: HotconfServer = await startServer({ repo: repo.dir });
  try {
    await fn(server.url);
  } finally {
    await server.close();
    await repo.remove();
  }
}

const ORDERS = [
  'server.port=8080',
  'feature.enabled=on',
  'ratio=0.25',
  'name=007',
  'hosts[0]=1',
  'hosts[1]=2',
  '',
].join('\n');

// DESIGN §2a: `.properties` values are strings; where the schema asks for a number or
// boolean the gate converts them and the native document carries the converted value, while
// Spring's Environment JSON keeps the file's string (as Spring Cloud Config serves it).
// Booleans as Spring's StringToBooleanConverter reads them (on/yes/1).
describe('.properties values through the gate', () => {
  it('serves the converted values in the native document and the strings to Spring', async () => {
    await withServer(
      {
        'orders.properties': ORDERS,
        'orders.yml': 'quoted: 12\n',
        'schemas/orders.schema.json': SCHEMA,
      },
      async (url) => {
        const reply = await request(`${url}/v1/config/orders/default`);
        expect(reply.status).to.equal(200);
        expect(reply.json.config).to.deep.equal({
          server: { port: 8080 },
          feature: { enabled: true },
          ratio: 0.25,
          name: '007',
          hosts: [1, 2],
          quoted: 12,
        });
        const spring = await request(`${url}/orders/default`);
        expect(spring.json.propertySources[0]).to.deep.equal({
          name: 'orders.properties',
          source: {
            'server.port': '8080',
            'feature.enabled': 'on',
            ratio: '0.25',
            name: '007',
            'hosts[0]': '1',
            'hosts[1]': '2',
          },
        });
      },
    );
  });

  it('leaves a quoted YAML string alone: only .properties text is converted', async () => {
    await withServer(
      {
        'orders.properties': ORDERS,
        'orders.yml': 'quoted: "12"\n',
        'schemas/orders.schema.json': SCHEMA,
      },
      async (url) => {
        const reply = await request(`${url}/v1/config/orders/default`);
        expect(reply.status).to.equal(503);
        expect(reply.json.error.details).to.deep.equal([
          {
            path: '/quoted',
            message: '`quoted` must be integer — orders.yml line 1',
            file: 'orders.yml',
            line: 1,
          },
        ]);
      },
    );
  });
});

describe('.properties problems name the file and line', () => {
  it('refuses a value that does not convert, naming its line', async () => {
    await withServer(
      {
        'orders.properties': '# ports\nserver.port=eighty\n',
        'schemas/orders.schema.json': SCHEMA,
      },
      async (url) => {
        const reply = await request(`${url}/v1/config/orders/default`);
        expect(reply.status).to.equal(503);
        expect(reply.json.error.details).to.deep.equal([
          {
            path: '/server/port',
            message: '`server.port` must be integer — orders.properties line 2',
            file: 'orders.properties',
            line: 2,
          },
        ]);
      },
    );
  });
});
