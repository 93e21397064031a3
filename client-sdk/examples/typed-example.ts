// Typed settings: generate interfaces from the repository's schemas, then connect with
// them, and the compiler checks every use of a setting.
//
//   npm run hotconf -- types --out client-sdk/examples/generated
//   npx tsc -p client-sdk/examples
import { connect, type ChangeEvent } from '@hotconf/client';
import type { OrdersConfig } from './generated/orders.js';

const cfg = await connect<OrdersConfig>({
  server: 'http://127.0.0.1:8888',
  service: 'orders',
  profiles: ['dev'],
});

// Typed reads straight from the frozen document.
const poolMax: number = cfg.config.db.pool.max;
const level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' = cfg.config.logging.level;
const brokers: readonly string[] = cfg.config.kafka.brokers;
const splitShipments: boolean = cfg.config.features['splitShipments'] ?? false;
console.log({ poolMax, level, brokers, splitShipments });

// Dotted-path reads take their type from the default.
const rps: number = cfg.get('rateLimit.requestsPerSecond', 100);
console.log(`rate limit ${rps}/s`);

cfg.on('change', ({ config, previous, changedKeys }: ChangeEvent<OrdersConfig>) => {
  if (config.rateLimit.requestsPerSecond !== previous.rateLimit.requestsPerSecond) {
    console.log(
      `rate limit now ${config.rateLimit.requestsPerSecond}/s (${changedKeys.join(', ')})`,
    );
  }
});
const stop = cfg.onKey('db.pool.max', (value, previous) =>
  console.log(`pool ${previous} → ${value}`),
);

stop();
await cfg.close();
