import { expect } from 'chai';
import { connect } from '@hotconf/client';
import { FAST_RETRY, nextEvent, Sandbox, whenConnected } from './sdk-helpers.js';

describe('HotconfClient merge patches', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = new Sandbox();
  });
  afterEach(() => sb.dispose());

  it('deletes keys named like Object.prototype members (toString, constructor)', async () => {
    // A long value keeps the patch far under half the document, so the server sends a patch.
    const pad = `pad: ${'x'.repeat(4000)}\n`;
    const repo = await sb.repo({
      'orders.yml': `${pad}toString: 1\nconstructor:\n  a: 1\nvalueOf: 3\nkeep: 4\n`,
    });
    const server = await sb.server(repo);
    const cfg = sb.track(
      await connect({ server: server.url, service: 'orders', retry: FAST_RETRY }),
    );
    await whenConnected(cfg);
    expect(Object.keys(cfg.config).sort()).to.deep.equal([
      'constructor',
      'keep',
      'pad',
      'toString',
      'valueOf',
    ]);
    const changed = nextEvent(cfg, 'change');
    const version = await repo.commit({ 'orders.yml': `${pad}keep: 5\n` });
    const change = await changed;
    expect(change.version).to.equal(version);
    expect(change.changedKeys).to.deep.equal(['constructor.a', 'keep', 'toString', 'valueOf']);
    expect(Object.keys(cfg.config).sort()).to.deep.equal(['keep', 'pad']);
    expect(cfg.get('toString')).to.equal(undefined);
    const served = (await (await fetch(`${server.url}/v1/config/orders/default`)).json()) as {
      etag: string;
      config: unknown;
    };
    expect(cfg.etag).to.equal(served.etag);
    expect(cfg.config).to.deep.equal(served.config);
  });
});
