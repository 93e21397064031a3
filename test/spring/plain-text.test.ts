import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HotconfServer } from '../../server/src/create-server.js';
import { bearer, STANDARD_TOKENS, tokenFileText, TOKENS } from '../access/access-helpers.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, startServer } from '../helpers/server.js';

// Spring Cloud Config reference, "Serving Plain Text": GET /{application}/{profile}/{label}/{path}
// serves any file, the profile-specific variant (`name-profile.ext`) first, with ${…}
// resolved from the application's Environment and \${…} left as a literal ${…};
// `?useDefaultLabel` takes the default label instead of a label segment.
describe("Spring's plain-text endpoint", () => {
  let repo: GitFixture;
  let server: HotconfServer;
  let dir: string;

  before(async () => {
    repo = await GitFixture.create({
      'application.yml': 'shared:\n  region: eu\n',
      'orders.yml': 'server:\n  port: 8080\nupstream: orders-db\n',
      'orders-prod.yml': 'upstream: orders-db-prod\n',
      'billing.yml': 'secret: billing-only\n',
      'schemas/billing.schema.json': '{"type": "object"}',
      'nginx.conf': 'listen ${server.port};\nproxy_pass http://${upstream};\n# \\${kept}\n',
      'nginx-prod.conf': 'listen 443;\nproxy_pass https://${upstream};\n',
      'conf/logback.xml': '<level>${log.level:INFO}</level> ${shared.region}\n',
    });
    dir = await mkdtemp(path.join(os.tmpdir(), 'hotconf-plain-'));
    const tokensFile = path.join(dir, 'tokens.yml');
    await writeFile(tokensFile, tokenFileText(STANDARD_TOKENS));
    server = await startServer({ repo: repo.dir, tokensFile });
  });

  after(async () => {
    await server.close();
    await repo.remove();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (p: string, token: string = TOKENS.orders) =>
    request(`${server.url}${p}`, { headers: bearer(token) });

  it('serves a file with ${…} resolved from the document and \\${…} kept literal', async () => {
    const reply = await get('/orders/default/main/nginx.conf');
    expect(reply.status).to.equal(200);
    expect(reply.headers.get('content-type')).to.equal('text/plain; charset=utf-8');
    expect(reply.text).to.equal('listen 8080;\nproxy_pass http://orders-db;\n# ${kept}\n');
  });

  it('prefers the profile variant, resolved from the profile document', async () => {
    const reply = await get('/orders/prod/main/nginx.conf');
    expect(reply.text).to.equal('listen 443;\nproxy_pass https://orders-db-prod;\n');
  });

  it('serves files in folders, defaults included, and takes ?useDefaultLabel', async () => {
    const reply = await get('/orders/default/conf/logback.xml?useDefaultLabel');
    expect(reply.status).to.equal(200);
    expect(reply.text).to.equal('<level>INFO</level> eu\n');
  });

  it("refuses another service's config file and schema through it", async () => {
    const file = await get('/orders/default/main/billing.yml');
    expect(file.status).to.equal(403);
    expect(file.json.error).to.deep.equal({
      code: 'HC_FORBIDDEN',
      message: 'this token may not read billing.yml through orders',
    });
    const schema = await get('/orders/default/main/schemas/billing.schema.json');
    expect(schema.status).to.equal(403);
    expect(schema.json.error.code).to.equal('HC_FORBIDDEN');
  });

  it('answers 401 before anything else without a token, and 404 for a missing file', async () => {
    const anonymous = await request(`${server.url}/orders/default/main/nope.conf`);
    expect(anonymous.status).to.equal(401);
    const missing = await get('/orders/default/main/nope.conf');
    expect(missing.status).to.equal(404);
    expect(missing.json.error.code).to.equal('HC_FILE_NOT_FOUND');
  });

  it('checks every application of a comma list, and the owner of every source', async () => {
    const both = await get('/orders,billing/default');
    expect(both.status).to.equal(403);
    expect(both.json.error).to.deep.equal({
      code: 'HC_FORBIDDEN',
      message: 'this token may not read service billing',
    });
    const own = await get('/orders,orders-x/default');
    expect(own.status).to.equal(200);
    expect(own.json.name).to.equal('orders,orders-x');
  });

  it('refuses a path that leaves the repository', async () => {
    const reply = await get('/orders/default/main/..%2F..%2Fetc%2Fpasswd');
    expect(reply.status).to.equal(400);
    expect(reply.json.error.code).to.equal('HC_INVALID_PATH');
  });
});
