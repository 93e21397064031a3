// A pretend "orders" service that takes its settings from hotconf and changes behaviour
// live when ops commit a new value. Run it from the repository root:
//
//   npm start                                   # terminal 1: serves config-repo/ on :8888
//   node client-sdk/examples/orders-service.mjs # terminal 2
//   # terminal 3: edit config-repo/orders-dev.yml (features.splitShipments, db.pool.max,
//   # rateLimit.requestsPerSecond), then commit it:
//   git commit -m 'ops change' config-repo/orders-dev.yml
//
// HOTCONF_SERVER and HOTCONF_TOKEN override the server and token.
import os from 'node:os';
import path from 'node:path';
import { connect } from '@hotconf/client';

const cfg = await connect({
  server: process.env.HOTCONF_SERVER ?? 'http://127.0.0.1:8888',
  service: 'orders',
  profiles: ['dev'],
  token: process.env.HOTCONF_TOKEN || undefined,
  // Lets the service boot from the last known config when the server is down.
  cacheFile: path.join(os.tmpdir(), 'hotconf-example-orders-dev.json'),
  bootTimeoutMs: 10_000,
});

const log = (message) => console.log(`${new Date().toISOString().slice(11, 19)} ${message}`);

// Behaviour that depends on a setting, swapped without a restart.
const strategies = {
  split: (order) => `ships ${order.items} item(s) in ${Math.ceil(order.items / 2)} parcels`,
  single: (order) => `ships ${order.items} item(s) in one parcel`,
};
let ship = cfg.get('features.splitShipments', false) ? strategies.split : strategies.single;

cfg.onKey('features.splitShipments', (on) => {
  ship = on ? strategies.split : strategies.single;
  log(`>> shipping strategy is now "${on ? 'split' : 'single'}"`);
});
cfg.onKey('db.pool.max', (max, previous) =>
  log(`>> resizing the DB pool from ${previous} to ${max}`),
);
cfg.on('change', ({ changedKeys, version }) =>
  log(`>> config ${version.slice(0, 8)} applied; changed: ${changedKeys.join(', ')}`),
);
cfg.on('stale', ({ cacheFile }) => log(`!! server unreachable: running on ${cacheFile}`));
cfg.on('disconnected', ({ retryInMs }) =>
  log(`!! lost the config server; retrying in ${retryInMs} ms`),
);
cfg.on('connected', ({ version }) => log(`.. live at ${version.slice(0, 8)}`));
cfg.on('error', (error) => log(`!! ${error.message}`));

log(`started with version ${cfg.version.slice(0, 8)}${cfg.stale ? ' (stale, from cache)' : ''}`);

let orderNo = 0;
const timer = setInterval(() => {
  orderNo += 1;
  const order = { items: 1 + (orderNo % 5) };
  const rps = cfg.get('rateLimit.requestsPerSecond', 100);
  log(
    `order #${orderNo}: ${ship(order)} (rate limit ${rps}/s, db pool max ${cfg.get('db.pool.max')})`,
  );
}, 1000);

// Stop cleanly: no process.exit, the event loop simply empties.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    clearInterval(timer);
    cfg.close().then(() => log('closed'));
  });
}
