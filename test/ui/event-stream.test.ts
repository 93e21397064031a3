import { expect } from 'chai';
import {
  bearer,
  replaceFile,
  Sandbox,
  STANDARD_TOKENS,
  tokenFileText,
  TOKENS,
  waitFor,
} from '../access/access-helpers.js';
import { request } from '../helpers/server.js';
import { CONSOLE_FILES, publishNow } from './console-fixture.js';

interface Received {
  kind: string;
  data: any;
}

/** A real HTTP client on `/v1/events` that keeps every event it reads. */
class EventsClient {
  readonly events: Received[] = [];
  ended = false;
  private constructor(
    readonly status: number,
    readonly contentType: string | null,
    private readonly abort: AbortController,
  ) {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<EventsClient> {
    const abort = new AbortController();
    const res = await fetch(`${url}/v1/events`, { headers, signal: abort.signal });
    const client = new EventsClient(res.status, res.headers.get('content-type'), abort);
    if (res.ok && res.body) void client.read(res.body);
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const kind = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (kind && data) this.events.push({ kind, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted
    }
    this.ended = true;
  }

  kinds(): string[] {
    return this.events.map((e) => e.kind);
  }

  close(): void {
    this.abort.abort();
  }
}

describe('GET /v1/events', () => {
  let sandbox: Sandbox;
  beforeEach(() => (sandbox = new Sandbox()));
  afterEach(() => sandbox.dispose());

  const open = async (url: string, headers: Record<string, string> = {}) => {
    const client = await EventsClient.open(url, headers);
    sandbox.defer(async () => client.close());
    return client;
  };

  it('streams change, rejected and settled within a second, as text/event-stream', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    const server = await sandbox.server(repo);
    const client = await open(server.url);
    expect(client.status).to.equal(200);
    expect(client.contentType).to.equal('text/event-stream; charset=utf-8');
    await waitFor(() => client.kinds().includes('ready'), 'ready');

    const commit = await repo.commit({ 'orders-dev.yml': 'db:\n  pool: 3\n' });
    const start = Date.now();
    await publishNow(server);
    await waitFor(() => client.kinds().includes('settled'), 'settled', 1000);
    expect(Date.now() - start).to.be.below(1000);
    const change = client.events.find((e) => e.kind === 'change');
    expect(change?.data).to.deep.include({
      service: 'orders',
      profiles: ['dev'],
      label: 'main',
      version: commit,
      changedKeys: ['db.pool'],
    });

    const bad = await repo.commit({ 'orders-dev.yml': 'db:\n  pool: 99\n' }, 'too big');
    await publishNow(server);
    await waitFor(() => client.kinds().includes('rejected'), 'rejected', 1000);
    expect(client.events.find((e) => e.kind === 'rejected')?.data).to.deep.equal({
      service: 'orders',
      profiles: ['dev'],
      label: 'main',
      commit: bad,
      author: 'Test Author',
    });
  });

  it('answers 401 without a token, and gives a read token only its own services', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    const server = await sandbox.server(repo, {
      tokensFile: await sandbox.tokenFile(STANDARD_TOKENS),
    });
    const anonymous = await request(`${server.url}/v1/events`);
    expect(anonymous.status).to.equal(401);
    expect(anonymous.json.error.code).to.equal('HC_UNAUTHORIZED');

    const orders = await open(server.url, bearer(TOKENS.orders));
    const ops = await open(server.url, bearer(TOKENS.ops));
    await waitFor(() => orders.kinds().includes('ready') && ops.kinds().includes('ready'), 'ready');
    await repo.commit({ 'payments.yml': 'currency: USD\n' });
    await publishNow(server);
    await waitFor(() => ops.events.some((e) => e.data.service === 'payments'), 'ops sees payments');
    await repo.commit({ 'orders.yml': 'db:\n  host: orders-db-2\n  pool: 5\n' });
    await publishNow(server);
    await waitFor(() => orders.events.some((e) => e.kind === 'change'), 'orders sees orders');
    expect(JSON.stringify(orders.events)).not.to.contain('payments');

    // The hook for the fleet and rollouts, filtered the same way.
    server.parts?.events.emit('applied', { service: 'payments', instance: 'p-1' });
    server.parts?.events.emit('applied', { service: 'orders', instance: 'o-1' });
    await waitFor(() => orders.kinds().includes('applied'), 'applied for orders');
    await waitFor(() => ops.kinds().filter((k) => k === 'applied').length === 2, 'ops sees both');
    expect(orders.events.filter((e) => e.kind === 'applied').map((e) => e.data)).to.deep.equal([
      { service: 'orders', instance: 'o-1' },
    ]);
    expect(() => server.parts?.events.emit('bad kind\n', {})).to.throw(
      TypeError,
      'event kind must be a short word',
    );
  });

  it('ends the stream of a token removed from the token file', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    const tokens = await sandbox.tokenFile(STANDARD_TOKENS);
    const server = await sandbox.server(repo, { tokensFile: tokens });
    const orders = await open(server.url, bearer(TOKENS.orders));
    await waitFor(() => orders.kinds().includes('ready'), 'ready');
    await replaceFile(
      tokens,
      tokenFileText(STANDARD_TOKENS.filter((t) => t.token !== TOKENS.orders)),
    );
    await waitFor(() => orders.ended, 'the revoked stream to end');
    expect(server.parts?.events.size).to.equal(0);
  });

  it('forgets streams whose client left, and ends the rest at shutdown without waiting for the grace time', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    const server = await sandbox.server(repo);
    const client = await open(server.url);
    await waitFor(() => client.kinds().includes('ready'), 'ready');
    // A client that goes away is forgotten.
    const other = await open(server.url);
    await waitFor(() => other.kinds().includes('ready'), 'ready');
    expect(server.parts?.events.size).to.equal(2);
    other.close();
    await waitFor(() => server.parts?.events.size === 1, 'the closed stream to be dropped');
    const start = Date.now();
    await server.close();
    expect(Date.now() - start).to.be.below(2000);
    await waitFor(() => client.ended, 'the stream to end');
  });
});
