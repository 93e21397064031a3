import { expect } from 'chai';
import { bearer, Sandbox, TEST_KEY, TOKENS } from '../access/access-helpers.js';
import { request } from '../helpers/server.js';
import { CONSOLE_FILES, publishNow } from './console-fixture.js';

describe('GET /v1/console/*', () => {
  let sandbox: Sandbox;
  beforeEach(() => (sandbox = new Sandbox()));
  afterEach(() => sandbox.dispose());

  it('lists each key with its file and line, masking {cipher} and secret-named values', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    const server = await sandbox.server(repo, { encryptKey: TEST_KEY });
    const sealed = await request(`${server.url}/v1/encrypt`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ value: 'jdbc:postgresql://db/orders?pw=opensesame' }),
    });
    expect(sealed.status).to.equal(200);
    await repo.commit({
      'orders-dev.yml': `db:\n  pool: 2\n  url: '${sealed.json.value}'\nlist:\n  - a\n  - b\n`,
    });
    await publishNow(server);
    // The services' own read decrypts: the console's read must not.
    const served = await request(`${server.url}/v1/config/orders/dev`);
    expect(served.json.config.db.url).to.equal('jdbc:postgresql://db/orders?pw=opensesame');

    const reply = await request(`${server.url}/v1/console/config/orders/dev`);
    expect(reply.status).to.equal(200);
    expect(reply.text).not.to.match(/opensesame|hunter2|\{cipher\}/);
    expect(reply.json).to.deep.include({
      service: 'orders',
      profiles: ['dev'],
      label: 'main',
      version: await repo.head(),
      sources: ['orders-dev.yml', 'orders.yml', 'application.yml'],
    });
    expect(reply.json.entries).to.deep.equal([
      { key: 'shared.region', value: 'eu', masked: false, file: 'application.yml', line: 2 },
      { key: 'db.host', value: 'orders-db', masked: false, file: 'orders.yml', line: 2 },
      { key: 'db.pool', value: 2, masked: false, file: 'orders-dev.yml', line: 2 },
      { key: 'db.password', value: '******', masked: true, file: 'orders.yml', line: 4 },
      { key: 'db.url', value: '******', masked: true, file: 'orders-dev.yml', line: 3 },
      { key: 'list[0]', value: 'a', masked: false, file: 'orders-dev.yml', line: 5 },
      { key: 'list[1]', value: 'b', masked: false, file: 'orders-dev.yml', line: 6 },
    ]);
  });

  it('gives a read token its own documents, their rejections, and 403 for another service', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    const server = await sandbox.server(repo, { tokensFile: await sandbox.tokenFile() });
    const good = await repo.head();
    const bad = await repo.commit({ 'orders-dev.yml': 'db:\n  pool: 99\n' }, 'too big');
    await publishNow(server);

    const none = await request(`${server.url}/v1/console/documents`);
    expect(none.status).to.equal(401);
    const mine = await request(`${server.url}/v1/console/documents`, {
      headers: bearer(TOKENS.orders),
    });
    expect(mine.status).to.equal(200);
    expect(mine.text).not.to.contain('payments');
    expect(mine.json.principal).to.deep.equal({ name: 'orders-service', admin: false });
    expect(mine.json.features).to.deep.equal({ fleet: true, rollouts: false });
    expect(mine.json.documents.map((d: any) => d.key)).to.deep.equal([
      'orders/default',
      'orders/dev',
    ]);
    const dev = mine.json.documents[1];
    expect(dev).to.deep.include({ state: 'rejected', version: good });
    expect(dev.rejection).to.deep.include({
      commit: bad,
      author: 'Test Author',
      message: 'too big',
    });
    expect(dev.rejection.problems).to.have.length(1);
    expect(dev.rejection.problems[0]).to.deep.include({ file: 'orders-dev.yml', line: 2 });

    const theirs = await request(`${server.url}/v1/console/config/payments/default`, {
      headers: bearer(TOKENS.orders),
    });
    expect(theirs.status).to.equal(403);
    expect(theirs.json.error.code).to.equal('HC_FORBIDDEN');
    expect(theirs.text).not.to.contain('EUR');
  });
});
