import { expect } from 'chai';
import { createServer, type HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request } from '../helpers/server.js';
import { CapturedLog, eventually, ORDERS_SCHEMA } from './production-helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('structured logs', () => {
  let fixture: GitFixture;
  let server: HotconfServer;
  let log: CapturedLog;

  beforeEach(async () => {
    fixture = await GitFixture.create({
      'orders.yml': 'db:\n  pool:\n    max: 10\n',
      'schemas/orders.schema.json': ORDERS_SCHEMA,
      'payments.yml': 'currency: EUR\n',
    });
    log = new CapturedLog('info');
    server = createServer({ repo: fixture.dir, port: 0, logger: log.logger });
    await server.listen();
  });

  afterEach(async () => {
    await server.close();
    await fixture.remove();
  });

  it('logs one line per publish with service, profiles, label, commit and author', async () => {
    const commit = await fixture.commit(
      { 'orders.yml': 'db:\n  pool:\n    max: 20\n' },
      'raise the pool',
      'Ada Lovelace <ada@example.com>',
    );
    const [line] = await eventually(() => {
      const found = log.withMessage('published');
      expect(found).to.have.length(1);
      return found;
    });
    expect(line).to.include({
      level: 30,
      replica: 'log-test',
      service: 'orders',
      label: 'main',
      commit,
      author: 'Ada Lovelace',
    });
    expect(line?.profiles).to.deep.equal(['default']);
    expect(log.withMessage('commit rejected')).to.deep.equal([]);
  });

  it('logs one line per rejection with the same fields and the problems, at warn', async () => {
    const commit = await fixture.commit(
      { 'orders.yml': 'db:\n  pool:\n    max: 9000\n' },
      'pool too large',
      'Grace Hopper <grace@example.com>',
    );
    const [line] = await eventually(() => {
      const found = log.withMessage('commit rejected');
      expect(found).to.have.length(1);
      return found;
    });
    expect(line).to.include({
      level: 40,
      service: 'orders',
      label: 'main',
      commit,
      author: 'Grace Hopper',
    });
    expect(line?.profiles).to.deep.equal(['default']);
    expect(line?.problems).to.deep.equal(['`db.pool.max` must be <= 500 — orders.yml line 3']);
    expect(log.withMessage('published')).to.deep.equal([]);
  });

  it('logs each request once with a request id, route, status and time, never the Authorization header', async () => {
    const secret = 'Bearer do-not-log-this-token-7f3a';
    const given = await request(`${server.url}/v1/services`, {
      headers: { 'X-Request-Id': 'req-42.a', Authorization: secret },
    });
    expect(given.headers.get('x-request-id')).to.equal('req-42.a');
    const odd = await request(`${server.url}/v1/config/nope/default`, {
      headers: { 'X-Request-Id': 'evil\tid {"x":1}' },
    });
    const generated = odd.headers.get('x-request-id') ?? '';
    expect(generated).to.match(UUID);

    const requests = log.withMessage('request');
    expect(requests).to.have.length(2);
    expect(requests[0]).to.include({
      level: 30,
      reqId: 'req-42.a',
      method: 'GET',
      route: '/v1/services',
      path: '/v1/services',
      status: 200,
    });
    expect(requests[0]?.ms).to.be.a('number').and.greaterThan(0);
    expect(requests[1]).to.include({
      level: 30,
      reqId: generated,
      route: '/v1/config/:service/:profiles',
      status: 404,
    });
    expect(log.text.join('')).not.to.include('do-not-log-this-token');
    expect(log.text.join('').toLowerCase()).not.to.include('authorization');
  });

  it('logs health probes, scrapes and successful document reads at debug only', async () => {
    await request(`${server.url}/health`);
    await request(`${server.url}/metrics`);
    await request(`${server.url}/v1/config/orders/default`);
    await request(`${server.url}/orders/default`);
    expect(log.withMessage('request')).to.deep.equal([]);
  });

  it('writes the debug line of a document read, with its request id, when asked to', async () => {
    const verbose = new CapturedLog('debug');
    const quiet = createServer({ repo: fixture.dir, port: 0, logger: verbose.logger });
    await quiet.listen();
    try {
      await request(`${quiet.url}/v1/config/orders/default`, {
        headers: { 'X-Request-Id': 'r-1' },
      });
      expect(verbose.withMessage('request')).to.have.length(1);
      expect(verbose.withMessage('request')[0]).to.include({
        level: 20,
        reqId: 'r-1',
        route: '/v1/config/:service/:profiles',
        path: '/v1/config/orders/default',
        status: 200,
      });
    } finally {
      await quiet.close();
    }
  });
});
