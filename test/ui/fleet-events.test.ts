import { expect } from 'chai';
import { bearer, Sandbox, TOKENS, waitFor } from '../access/access-helpers.js';
import { CONSOLE_FILES } from './console-fixture.js';

/** `fleet` events read from a real `/v1/events` stream, with when each arrived. */
async function fleetEvents(url: string, headers: Record<string, string>) {
  const abort = new AbortController();
  const res = await fetch(`${url}/v1/events`, { headers, signal: abort.signal });
  const seen: { data: { service: string; profiles: string[]; label: string }; at: number }[] = [];
  let ready = false;
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body!) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (frame.startsWith('event: ready')) ready = true;
          const data = /^event: fleet\ndata: (.*)$/m.exec(frame)?.[1];
          if (data) seen.push({ data: JSON.parse(data), at: Date.now() });
        }
      }
    } catch {
      // aborted at the end of the test
    }
  })();
  await waitFor(() => ready, 'the stream to be live');
  return { seen, close: () => abort.abort() };
}

describe('GET /v1/events: fleet events', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  beforeEach(() => (sandbox = new Sandbox()));
  afterEach(() => sandbox.dispose());

  it('coalesces 10,000 acks into a few fleet events per document, the last one sent, each to tokens that may read it', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    const server = await sandbox.server(repo, { tokensFile: await sandbox.tokenFile() });
    const orders = await fleetEvents(server.url, bearer(TOKENS.orders));
    const billing = await fleetEvents(server.url, bearer(TOKENS.billing));
    sandbox.defer(async () => (orders.close(), billing.close()));
    const head = await repo.head();
    const fleet = server.parts!.fleet;

    const started = Date.now();
    for (let n = 0; n < 10_000; n++) {
      // Spread over ~1 s, as acks of one refresh arrive.
      if (n > 0 && n % 1000 === 0) await new Promise((r) => setTimeout(r, 100));
      fleet.recordExternal({
        instanceId: `orders:8080:${n}`,
        source: 'spring-bus',
        service: 'orders',
        label: 'main',
        appliedVersion: head,
      });
    }
    const lastAck = Date.now();
    await waitFor(() => orders.seen.some((e) => e.at >= lastAck), 'the event after the last ack');
    await new Promise((r) => setTimeout(r, 500));
    const elapsed = (lastAck - started) / 1000;
    // One at once, then at most one per 250 ms: ≤ 4 a second, plus the first and the last.
    expect(orders.seen.length).to.be.at.least(2);
    expect(orders.seen.length).to.be.at.most(Math.ceil(elapsed * 4) + 2);
    expect(orders.seen[0]!.data).to.deep.equal({
      service: 'orders',
      profiles: ['default'],
      label: 'main',
    });
    expect(billing.seen).to.deep.equal([]);
    process.stderr.write(
      `      (10,000 acks in ${elapsed.toFixed(2)} s made ${orders.seen.length} fleet events)\n`,
    );
  });
});
