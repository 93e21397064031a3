import { expect } from 'chai';
import type { WebSocket } from 'ws';
import { DocumentRecord } from '../../server/src/publish/document-record.js';
import { newConnection, type Subscription } from '../../server/src/watch/connection.js';
import { SubscriptionTable } from '../../server/src/watch/subscription-table.js';

describe('SubscriptionTable', () => {
  const principal = { name: 't', admin: false, canRead: () => true, canReadDocument: () => true };
  const pins: string[] = [];
  const table = () =>
    new SubscriptionTable({
      pin: (r) => {
        pins.push(`+${r.key}`);
        return r;
      },
      unpin: (r) => void pins.push(`-${r.key}`),
    });
  const conn = () => newConnection({} as WebSocket, principal, undefined);
  const orders = new DocumentRecord('orders', ['default'], 'main', 'found');
  const billing = new DocumentRecord('billing', ['default'], 'main', 'found');
  const sub = (c: ReturnType<typeof conn>, id: string, record: DocumentRecord): Subscription => ({
    id,
    conn: c,
    record,
    sent: undefined,
    pending: undefined,
    patch: false,
  });

  beforeEach(() => void pins.splice(0));

  it('finds the subscribers of a document and pins it once per subscription', () => {
    const t = table();
    const [a, b] = [conn(), conn()];
    t.add(sub(a, 's1', orders));
    t.add(sub(b, 's1', orders));
    t.add(sub(b, 's2', billing));
    expect([...(t.peersOf(orders.key) ?? [])].map((s) => s.conn)).to.deep.equal([a, b]);
    expect(t.size).to.equal(3);
    expect(pins).to.deep.equal([`+${orders.key}`, `+${orders.key}`, `+${billing.key}`]);
  });

  it('replaces a subscription with the same id, and unpins on remove and close', () => {
    const t = table();
    const a = conn();
    t.add(sub(a, 's1', orders));
    t.add(sub(a, 's1', billing));
    expect(t.peersOf(orders.key)).to.equal(undefined);
    expect(t.size).to.equal(1);
    t.removeAll(a);
    expect(t.size).to.equal(0);
    expect(pins).to.deep.equal([
      `+${orders.key}`,
      `-${orders.key}`,
      `+${billing.key}`,
      `-${billing.key}`,
    ]);
    expect(t.remove(a, 's1')).to.equal(undefined);
  });
});
