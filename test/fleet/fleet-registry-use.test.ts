import { expect } from 'chai';
import { connect, type HotconfClient } from '@hotconf/client';
import type { HotconfServer } from '../../server/src/create-server.js';
import { bearer, Sandbox, STANDARD_FILES, TOKENS } from '../access/access-helpers.js';
import { runHotconf } from '../helpers/cli.js';
import { request, startServer } from '../helpers/server.js';
import { waitUntil } from './fleet-helpers.js';

const FAST_RETRY = { minDelayMs: 20, maxDelayMs: 200, restartDelayMs: 50 };
const quiet = { warn: () => undefined };

describe('Fleet registry, as services use it', () => {
  const sandbox = new Sandbox();
  afterEach(() => sandbox.dispose());

  async function client(server: HotconfServer, extra: Record<string, unknown> = {}) {
    const c: HotconfClient = await connect({
      server: server.url,
      service: 'orders',
      retry: FAST_RETRY,
      logger: quiet,
      ...extra,
    });
    c.on('error', () => undefined);
    sandbox.defer(() => c.close());
    await waitUntil('a welcome', async () => c.instanceId !== undefined, 5000);
    return c;
  }

  it('gives an instance without an id a unique one, keeps it across a reconnect, and lets others look it up', async () => {
    const repo = await sandbox.repo();
    const first = await startServer({ repo: repo.dir });
    sandbox.defer(() => first.close());
    const port = first.port;
    const c = await client(first, { labels: { team: 'checkout' } });
    const id = c.instanceId as string;
    expect(id).to.match(/^i-[0-9a-f]{16}$/);
    const other = await client(first);
    expect(other.instanceId).to.equal(id); // same process, same server: one instance, one socket
    const separate = await client(first, { instanceId: 'orders-7f9c' });
    expect(separate.instanceId).to.equal('orders-7f9c');

    // The server restarts on the same port: the client reconnects and keeps its id.
    await first.close();
    const second = await startServer({ repo: repo.dir, port });
    sandbox.defer(() => second.close());
    // Online at once; the `applied` for what it holds follows after the SDK's ack hold.
    await waitUntil('the instance back on the new server, its document applied', async () => {
      const res = await request(`${second.url}/v1/instances/${id}`);
      return res.status === 200 && res.json.online === true && res.json.documents?.[0]?.etag;
    });
    expect(c.instanceId).to.equal(id);
    const seen = (await request(`${second.url}/v1/instances/${id}`)).json;
    expect(seen).to.deep.include({
      id,
      labels: { team: 'checkout' },
      pid: process.pid,
      online: true,
    });
    expect(seen.sdk).to.match(/^@hotconf\/client\/\d+\.\d+\.\d+$/);
    expect(seen.documents[0]).to.deep.include({ service: 'orders', etag: c.etag, error: null });
    await c.close();
    await other.close();
    await waitUntil('offline at once after close', async () => {
      const res = await request(`${second.url}/v1/instances/${id}`);
      return res.json.online === false;
    });
  });

  it('tells an SDK whose instanceId another live instance holds, and uses the new id', async () => {
    const repo = await sandbox.repo();
    const server = await startServer({ repo: repo.dir });
    sandbox.defer(() => server.close());
    // Different tokens (open mode takes any): different sockets, as two processes would have.
    const first = await client(server, { instanceId: 'dup-1', token: 'first' });
    const errors: { code?: string; message: string }[] = [];
    const second: HotconfClient = await connect({
      server: server.url,
      service: 'orders',
      token: 'second',
      instanceId: 'dup-1',
      retry: FAST_RETRY,
      logger: quiet,
    });
    sandbox.defer(() => second.close());
    second.on('error', (e) => errors.push(e as { code?: string; message: string }));
    await waitUntil('a new id', async () => second.instanceId !== undefined, 5000);
    expect(first.instanceId).to.equal('dup-1');
    expect(second.instanceId).to.match(/^i-[0-9a-f]{16}$/);
    await waitUntil('the error event', async () => errors.length > 0, 5000);
    expect(errors[0]?.code).to.equal('HC_INSTANCE_ID_IN_USE');
  });

  it('reports failed with the first 1 kB of a rejected async listener, then applied once fixed', async () => {
    const repo = await sandbox.repo();
    const server = await startServer({ repo: repo.dir });
    sandbox.defer(() => server.close());
    const c = await client(server, { instanceId: 'orders-a' });
    let fail = true;
    c.on('change', async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      if (fail) throw new Error(`bad pool ${'é'.repeat(600)}`);
    });
    await repo.commit({ 'orders.yml': 'db:\n  host: orders-db\n  pool: 6\n' });
    let doc: { error: string | null } = { error: null };
    await waitUntil('failed', async () => {
      doc = (await request(`${server.url}/v1/instances/orders-a`)).json.documents[0];
      return doc.error !== null;
    });
    expect(Buffer.byteLength(doc.error ?? '')).to.equal(1023); // 'bad pool ' + 507 two-byte é
    expect(doc.error?.startsWith('bad pool éé')).to.equal(true);
    fail = false;
    const fixed = await repo.commit({ 'orders.yml': 'db:\n  host: orders-db\n  pool: 7\n' });
    await waitUntil('applied', async () => {
      const d = (await request(`${server.url}/v1/instances/orders-a`)).json.documents[0];
      return d.error === null && d.version === fixed;
    });
  });

  it('shows read tokens only their services’ instances; 401 first without a token', async () => {
    const repo = await sandbox.repo(STANDARD_FILES);
    const server = await sandbox.server(repo, { tokensFile: await sandbox.tokenFile() });
    await client(server, { token: TOKENS.orders, instanceId: 'orders-1' });
    await client(server, { token: TOKENS.billing, service: 'billing', instanceId: 'billing-1' });
    for (const path of ['/v1/fleet', '/v1/fleet/orders/default', '/v1/instances/orders-1']) {
      const res = await request(`${server.url}${path}`);
      expect(res.status, path).to.equal(401);
      expect(res.json.error.code).to.equal('HC_UNAUTHORIZED');
    }
    const mine = (await request(`${server.url}/v1/fleet`, { headers: bearer(TOKENS.orders) })).json;
    expect(mine.documents.map((d: { service: string }) => d.service)).to.deep.equal(['orders']);
    const all = (await request(`${server.url}/v1/fleet`, { headers: bearer(TOKENS.ops) })).json;
    expect(all.documents.map((d: { service: string }) => d.service)).to.deep.equal([
      'billing',
      'orders',
    ]);
    const forbidden = await request(`${server.url}/v1/fleet/billing/default`, {
      headers: bearer(TOKENS.orders),
    });
    expect(forbidden.status).to.equal(403);
    expect(forbidden.json.error).to.deep.include({
      code: 'HC_FORBIDDEN',
      message: 'this token may not read service billing',
    });
    const hidden = await request(`${server.url}/v1/instances/billing-1`, {
      headers: bearer(TOKENS.orders),
    });
    expect(hidden.status).to.equal(404);
    expect(hidden.json.error).to.deep.equal({
      code: 'HC_INSTANCE_NOT_FOUND',
      message: 'no instance billing-1 is known',
    });
    const own = await request(`${server.url}/v1/instances/orders-1`, {
      headers: bearer(TOKENS.orders),
    });
    expect(own.status).to.equal(200);
  });

  it('filters by state, etag and label, and pages with a cursor', async () => {
    const repo = await sandbox.repo();
    const server = await startServer({ repo: repo.dir });
    sandbox.defer(() => server.close());
    for (const n of [1, 2, 3]) {
      await client(server, { instanceId: `o-${n}`, labels: { zone: n === 2 ? 'us' : 'eu' } });
    }
    const base = `${server.url}/v1/fleet/orders/default`;
    await waitUntil(
      'three applied',
      async () => (await request(`${base}?state=applied`)).json.instances.length === 3,
    );
    const eu = (await request(`${base}?label=zone:eu`)).json;
    expect(eu.instances.map((i: { id: string }) => i.id)).to.deep.equal(['o-1', 'o-3']);
    const byEtag = (await request(`${base}?etag=${eu.published.etag}&label=main`)).json;
    expect(byEtag.instances).to.have.length(3);
    const page1 = (await request(`${base}?limit=2`)).json;
    expect(page1.instances.map((i: { id: string }) => i.id)).to.deep.equal(['o-1', 'o-2']);
    const page2 = (await request(`${base}?limit=2&cursor=${page1.nextCursor}`)).json;
    expect(page2.instances.map((i: { id: string }) => i.id)).to.deep.equal(['o-3']);
    expect(page2.nextCursor).to.equal(null);
    for (const [query, message] of [
      ['state=gone', 'state must be one of online, offline, applied, failed, older'],
      ['limit=0', 'limit must be a whole number from 1 to 1000'],
      ['cursor=%00%01', 'cursor is not one this server gave out'],
    ] as const) {
      const res = await request(`${base}?${query}`);
      expect(res.status, query).to.equal(400);
      expect(res.json.error).to.deep.equal({ code: 'HC_INVALID_PARAMETER', message });
    }
    const help = await runHotconf(['fleet', '--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^usage: hotconf fleet \[service \[profiles\]\]/);
  });
});
