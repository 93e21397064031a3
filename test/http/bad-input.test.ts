import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { rawRequest, request, startServer } from '../helpers/server.js';

describe('bad input over HTTP', () => {
  let repo: GitFixture;
  let server: HotconfServer;

  before(async () => {
    repo = await GitFixture.create({ 'orders.yml': 'ok: true\n' });
    server = await startServer({ repo: repo.dir });
  });

  after(async () => {
    await server.close();
    await repo.remove();
  });

  const cases: [string, string, string][] = [
    [
      'an option-injecting label',
      `/v1/config/orders/dev?label=${encodeURIComponent('--upload-pack=touch /tmp/x')}`,
      'HC_INVALID_LABEL',
    ],
    [
      'a reflog label',
      `/v1/config/orders/dev?label=${encodeURIComponent('HEAD@{1}')}`,
      'HC_INVALID_LABEL',
    ],
    ['a label with ..', '/v1/config/orders/dev?label=main..other', 'HC_INVALID_LABEL'],
    [
      'path traversal as a service',
      `/v1/config/${encodeURIComponent('../../etc/passwd')}/dev`,
      'HC_INVALID_NAME',
    ],
    [
      'path traversal as a profile',
      `/v1/config/orders/${encodeURIComponent('../../etc/passwd')}`,
      'HC_INVALID_NAME',
    ],
    ['a 10 kB service name', `/v1/config/${'a'.repeat(10_000)}/dev`, 'HC_INVALID_NAME'],
    ['nine profiles', '/v1/config/orders/a,b,c,d,e,f,g,h,i', 'HC_INVALID_NAME'],
    ['a reserved name', '/v1/config/metrics/dev', 'HC_INVALID_NAME'],
    ['upper case', '/v1/config/Orders/dev', 'HC_INVALID_NAME'],
    [
      'Spring: option-injecting label',
      `/orders/dev/${encodeURIComponent('--upload-pack=touch /tmp/x')}`,
      'HC_INVALID_LABEL',
    ],
    ['Spring: traversal in the service', '/%2E%2E/dev', 'HC_INVALID_NAME'],
    [
      'Spring: traversal in the label of a file',
      `/${encodeURIComponent('../..')}/orders-dev.yml`,
      'HC_INVALID_LABEL',
    ],
    ['Spring: a raw .. segment', '/../etc/passwd', 'HC_INVALID_NAME'],
    ['Spring: a double-encoded traversal', '/%252e%252e/dev', 'HC_INVALID_NAME'],
    ['a malformed percent escape', '/orders/%E0%A4%A', 'HC_BAD_REQUEST'],
  ];

  for (const [what, path, code] of cases) {
    it(`answers 400 ${code} to ${what}`, async () => {
      const reply = await rawRequest(server.url, path);
      expect(reply.status, reply.text).to.equal(400);
      expect(reply.json.error.code).to.equal(code);
      expect(reply.json.error.message)
        .to.be.a('string')
        .and.not.match(/\/tmp\/hotconf|\.js:\d+/);
    });
  }

  it('answers 404 HC_NOT_FOUND in the standard shape for an unknown route', async () => {
    const reply = await request(`${server.url}/v1/nothing/here/at/all`);
    expect(reply.status).to.equal(404);
    expect(reply.json).to.deep.equal({ error: { code: 'HC_NOT_FOUND', message: 'no such route' } });
  });

  it('answers 413 (not a reset) to a chunked body past the limit', async () => {
    const body = Buffer.alloc(2.5 * 1024 * 1024, 'x');
    const reply = await rawRequest(server.url, '/v1/webhook', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      body,
    });
    expect(reply.status).to.equal(413);
    expect(reply.json.error.code).to.equal('HC_BODY_TOO_LARGE');
  });

  it('refuses a profile with a control character instead of trimming it', async () => {
    const reply = await rawRequest(server.url, '/v1/config/orders/dev%0A');
    expect(reply.status).to.equal(400);
    expect(reply.json.error.code).to.equal('HC_INVALID_NAME');
  });

  it('still serves correctly afterwards', async () => {
    expect((await request(`${server.url}/v1/config/orders/dev`)).json.config).to.deep.equal({
      ok: true,
    });
  });
});
