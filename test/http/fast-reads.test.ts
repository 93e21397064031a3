import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { rawRequest, startServer, type Reply } from '../helpers/server.js';

/** Headers that must not differ between the fast path and Koa (Date and the id do). */
const compared = ['content-type', 'content-length', 'etag', 'cache-control'];

describe('fast read path', () => {
  let repo: GitFixture;
  let server: HotconfServer;

  before(async () => {
    repo = await GitFixture.create({
      'application.yml': 'shared: 1\n',
      'orders.yml': 'db:\n  pool: 10\n',
      'orders-dev.yml': 'db:\n  pool: 3\n',
      'schemas/orders.schema.json':
        '{"type":"object","properties":{"retries":{"type":"integer","default":2}}}',
    });
    server = await startServer({ repo: repo.dir });
  });

  after(async () => {
    await server.close();
    await repo.remove();
  });

  const same = (fast: Reply, koa: Reply) => {
    expect(fast.status).to.equal(koa.status);
    expect(fast.text).to.equal(koa.text);
    for (const h of compared) expect(fast.headers.get(h), h).to.equal(koa.headers.get(h));
    expect(fast.headers.get('x-request-id')).to.be.a('string');
  };

  // Percent-encoding sends a request through Koa's routes; the plain form takes the fast path.
  const pairs: [string, string][] = [
    ['/v1/config/orders/dev', '/v1/config/orders/de%76'],
    ['/v1/config/orders/dev?label=main', '/v1/config/orders/de%76?label=main'],
    ['/v1/config/orders', '/v1/config/order%73'],
    ['/orders/dev', '/orders/de%76'],
    ['/orders/dev/main', '/orders/de%76/main'],
  ];
  for (const [fast, koa] of pairs) {
    it(`answers ${fast} exactly as Koa answers it`, async () => {
      same(await rawRequest(server.url, fast), await rawRequest(server.url, koa));
    });
  }

  it('answers 304 to a current If-None-Match, like Koa', async () => {
    const first = await rawRequest(server.url, '/v1/config/orders/dev');
    const headers = { 'If-None-Match': first.headers.get('etag') as string };
    const fast = await rawRequest(server.url, '/v1/config/orders/dev', { headers });
    const koa = await rawRequest(server.url, '/v1/config/orders/de%76', { headers });
    expect(fast.status).to.equal(304);
    expect(fast.text).to.equal('');
    expect(koa.status).to.equal(304);
  });

  it("keeps the caller's X-Request-Id when it is sane", async () => {
    const reply = await rawRequest(server.url, '/v1/config/orders/dev', {
      headers: { 'X-Request-Id': 'abc-123' },
    });
    expect(reply.headers.get('x-request-id')).to.equal('abc-123');
  });

  it('leaves what it does not serve to Koa: unknown services, bad names, other methods', async () => {
    expect((await rawRequest(server.url, '/v1/config/billing/dev')).status).to.equal(404);
    expect((await rawRequest(server.url, '/v1/config/Orders/dev')).status).to.equal(400);
    expect(
      (await rawRequest(server.url, '/v1/config/orders/dev', { method: 'HEAD' })).status,
    ).to.equal(200);
    expect(
      (await rawRequest(server.url, '/v1/config/orders/dev', { method: 'POST' })).status,
    ).to.equal(405);
  });
});
