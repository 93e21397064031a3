import { expect } from 'chai';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, settle, startServer } from '../helpers/server.js';

describe('an unreadable git object', () => {
  let repo: GitFixture;
  let server: HotconfServer | undefined;

  beforeEach(async () => {
    repo = await GitFixture.create({
      'application.yml': 'shared: 1\n',
      'orders.yml': 'orders: only-here\n',
      'billing.yml': 'billing: 1\n',
      'schemas/billing.schema.json': JSON.stringify({
        type: 'object',
        properties: { billing: { type: 'integer' } },
      }),
    });
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await repo.remove();
  });

  const get = (service: string) => request(`${server?.url}/v1/config/${service}/default`);

  /** Moves a blob's loose object file away; returns the blob id and a function restoring it. */
  async function hide(file: string): Promise<{ oid: string; restore(): Promise<void> }> {
    const oid = await repo.git('rev-parse', `HEAD:${file}`);
    const loose = path.join(repo.dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2));
    await rename(loose, `${loose}.away`);
    return { oid, restore: () => rename(`${loose}.away`, loose) };
  }

  it('fails only the documents that use it, naming object and file, and is read again once restored', async () => {
    const { oid, restore } = await hide('orders.yml');
    server = await startServer({ repo: repo.dir });
    // The server started; billing is untouched.
    expect((await get('billing')).json.config).to.deep.equal({ shared: 1, billing: 1 });
    const orders = await get('orders');
    expect(orders.status).to.equal(503);
    expect(orders.json.error.code).to.equal('HC_DOCUMENT_INVALID');
    expect(orders.json.error.details).to.deep.equal([
      {
        file: 'orders.yml',
        path: '',
        message: `orders.yml cannot be read: git object ${oid} is missing`,
      },
    ]);
    expect(orders.text).not.to.include(repo.dir);

    // Restored: the next evaluation reads it again rather than remembering the failure.
    await restore();
    await repo.commit({ 'application.yml': 'shared: 2\n' });
    await settle(server);
    const fixed = await get('orders');
    expect(fixed.status).to.equal(200);
    expect(fixed.json.config).to.deep.equal({ shared: 2, orders: 'only-here' });
  });

  it('fails a schema that cannot be read as that service, and reads it again once restored', async () => {
    const { oid, restore } = await hide('schemas/billing.schema.json');
    server = await startServer({ repo: repo.dir });
    expect((await get('orders')).status).to.equal(200);
    const billing = await get('billing');
    expect(billing.status).to.equal(503);
    expect(billing.json.error.details).to.deep.equal([
      {
        file: 'schemas/billing.schema.json',
        path: '',
        message: `schemas/billing.schema.json cannot be read: git object ${oid} is missing`,
      },
    ]);
    await restore();
    await repo.commit({ 'billing.yml': 'billing: 2\n' });
    await settle(server);
    const fixed = await get('billing');
    expect(fixed.status).to.equal(200);
    expect(fixed.json.config).to.deep.equal({ shared: 1, billing: 2 });
  });

  it('is read again on POST /v1/refresh once restored, with no commit in between', async () => {
    const { restore } = await hide('orders.yml');
    server = await startServer({ repo: repo.dir });
    expect((await get('orders')).status).to.equal(503);
    // Nothing moved: only the refresh says the repository may read differently now.
    await restore();
    const refreshed = await request(`${server.url}/v1/refresh`, { method: 'POST' });
    expect(refreshed.status).to.equal(200);
    const fixed = await get('orders');
    expect(fixed.status).to.equal(200);
    expect(fixed.json.config).to.deep.equal({ shared: 1, orders: 'only-here' });
  });
});
