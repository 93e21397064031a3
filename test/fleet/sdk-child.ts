/**
 * A process holding several `@hotconf/client` instances, as a service's pods would, for
 * the fleet tests. Driven over IPC: it says `ready` once every client is connected and
 * welcomed, and closes its clients cleanly on `close`.
 *
 * Env: HOTCONF_SERVER, FLEET_PREFIX (ids are `${prefix}-${n}`), FLEET_COUNT, FLEET_THROW
 * (an id whose change listener throws), FLEET_SERVICES (comma list, used in turn).
 */
import { connect, type HotconfClient } from '@hotconf/client';

const server = process.env.HOTCONF_SERVER ?? '';
const prefix = process.env.FLEET_PREFIX ?? 'p';
const count = Number(process.env.FLEET_COUNT ?? '10');
const services = (process.env.FLEET_SERVICES ?? 'orders').split(',');
const thrower = process.env.FLEET_THROW;

const clients: HotconfClient[] = [];
for (let n = 0; n < count; n++) {
  const instanceId = `${prefix}-${n}`;
  const client = await connect({
    server,
    service: services[n % services.length] ?? 'orders',
    instanceId,
    labels: { zone: n % 2 === 0 ? 'eu-1' : 'us-1', child: prefix },
    retry: { minDelayMs: 50, maxDelayMs: 500, restartDelayMs: 100 },
    logger: { warn: () => undefined },
  });
  client.on('error', () => undefined);
  client.on('change', async () => {
    // An asynchronous listener: `applied` waits for it to settle.
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (instanceId === thrower) throw new Error('pool.max 0 is below the minimum of 1');
  });
  clients.push(client);
}
const deadline = Date.now() + 30_000;
while (clients.some((c) => c.instanceId === undefined) && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 20));
}
process.send?.({ type: 'ready', ids: clients.map((c) => c.instanceId) });
process.on('message', (message: { type?: string }) => {
  if (message.type !== 'close') return;
  void Promise.all(clients.map((c) => c.close())).then(() => {
    process.send?.({ type: 'closed' });
    process.disconnect();
  });
});
