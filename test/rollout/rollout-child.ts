/**
 * A process holding several `@hotconf/client` instances of `orders` (profile `prod`) for the
 * rollout tests. Driven over IPC: `ready` once all are welcomed; `state` answers each
 * instance's `pool.max` and `cohort`; `close` closes them cleanly.
 *
 * Env: HOTCONF_SERVER, ROLLOUT_PREFIX (ids `${prefix}-${n}`), ROLLOUT_COUNT, ROLLOUT_THROW_ON
 * (a `pool.max` value every change listener throws on).
 */
import { connect, type HotconfClient } from '@hotconf/client';

const server = process.env.HOTCONF_SERVER ?? '';
const prefix = process.env.ROLLOUT_PREFIX ?? 'r';
const count = Number(process.env.ROLLOUT_COUNT ?? '10');
const throwOn = process.env.ROLLOUT_THROW_ON;

const clients: HotconfClient[] = [];
const poolMax = (c: HotconfClient) => String(c.get('pool.max', ''));
for (let n = 0; n < count; n++) {
  const client = await connect({
    server,
    service: 'orders',
    profiles: ['prod'],
    instanceId: `${prefix}-${n}`,
    labels: { zone: 'eu-1' },
    retry: { minDelayMs: 50, maxDelayMs: 300, restartDelayMs: 100 },
    logger: { warn: () => undefined },
  });
  client.on('error', () => undefined);
  client.on('change', ({ config }) => {
    const pool = (config as { pool?: { max?: unknown } }).pool;
    if (throwOn !== undefined && String(pool?.max) === throwOn)
      throw new Error(`pool.max ${throwOn} starves the database`);
  });
  clients.push(client);
}
const deadline = Date.now() + 30_000;
while (clients.some((c) => c.instanceId === undefined) && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 20));
}
process.send?.({ type: 'ready', ids: clients.map((c) => c.instanceId) });
process.on('message', (message: { type?: string }) => {
  if (message.type === 'state') {
    const state = clients.map((c) => ({
      id: c.instanceId ?? '',
      poolMax: poolMax(c),
      cohort: c.cohort,
    }));
    process.send?.({ type: 'state', state });
  }
  if (message.type !== 'close') return;
  void Promise.all(clients.map((c) => c.close())).then(() => {
    process.send?.({ type: 'closed' });
    process.disconnect();
  });
});
