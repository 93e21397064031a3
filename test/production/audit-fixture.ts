import { encryptValue, parseKey } from '../../server/src/secrets/cipher-value.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { ORDERS_SCHEMA } from './production-helpers.js';

/** A base64 AES-256 key for the `{cipher}` value in the audit repository. */
export const AUDIT_KEY = Buffer.alloc(32, 9).toString('base64');

/** The clear value behind `db.host`'s `{cipher}` from commit c6 on. */
export const SECRET_HOST = 'secret-db.internal';

/** A repository whose history is known commit by commit, and what each commit did. */
export interface AuditRepo {
  fixture: GitFixture;
  /** c1 … c8, in commit order. */
  c: Record<'c1' | 'c2' | 'c3' | 'c4' | 'c5' | 'c6' | 'c7' | 'c8', string>;
}

/**
 * c1 Alice   initial: logging, orders (pool 10, password, host), payments, orders schema
 * c2 Bob     orders.yml gains a comment only                 → changes nothing served
 * c3 Carol   orders-dev.yml: feature.x true (tagged v1)      → orders/dev only
 * c4 Dan     payments.yml currency USD                       → payments only
 * c5 Eve     orders.yml pool 9000: refused by the schema     → changes nothing served
 * c6 Frank   pool 20, new password, host now {cipher}        → orders
 * c7 Grace   application.yml: logging debug, cache.ttl added → everyone
 * c8 Heidi   orders-dev.yml: feature.x removed, pool 20 (same as orders.yml) → orders/dev: feature.x
 */
export async function buildAuditRepo(): Promise<AuditRepo> {
  const key = parseKey(AUDIT_KEY);
  const fixture = await GitFixture.create();
  const c1 = await fixture.commit(
    {
      'application.yml': 'logging:\n  level: info\n',
      'orders.yml': 'db:\n  host: orders-db\n  password: first-pass\n  pool:\n    max: 10\n',
      'schemas/orders.schema.json': ORDERS_SCHEMA,
      'payments.yml': 'currency: EUR\n',
    },
    'initial',
    'Alice <alice@example.com>',
  );
  const c2 = await fixture.commit(
    {
      'orders.yml':
        '# owned by the orders team\ndb:\n  host: orders-db\n  password: first-pass\n  pool:\n    max: 10\n',
    },
    'document the owner',
    'Bob <bob@example.com>',
  );
  const c3 = await fixture.commit(
    { 'orders-dev.yml': 'feature:\n  x: true\n' },
    'try feature x in dev',
    'Carol <carol@example.com>',
  );
  await fixture.git('tag', 'v1');
  const c4 = await fixture.commit(
    { 'payments.yml': 'currency: USD\n' },
    'bill in dollars',
    'Dan <dan@example.com>',
  );
  const c5 = await fixture.commit(
    { 'orders.yml': 'db:\n  host: orders-db\n  password: first-pass\n  pool:\n    max: 9000\n' },
    'a huge pool',
    'Eve <eve@example.com>',
  );
  const c6 = await fixture.commit(
    {
      'orders.yml': `db:\n  host: "${encryptValue(key, SECRET_HOST)}"\n  password: second-pass\n  pool:\n    max: 20\n`,
    },
    'rotate the password, hide the host',
    'Frank <frank@example.com>',
  );
  const c7 = await fixture.commit(
    { 'application.yml': 'logging:\n  level: debug\ncache:\n  ttl: 30\n' },
    'debug logging and a cache',
    'Grace <grace@example.com>',
  );
  const c8 = await fixture.commit(
    { 'orders-dev.yml': 'db:\n  pool:\n    max: 20\n' },
    'feature x is done',
    'Heidi <heidi@example.com>',
  );
  return { fixture, c: { c1, c2, c3, c4, c5, c6, c7, c8 } };
}
