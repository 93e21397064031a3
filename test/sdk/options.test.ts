import { expect } from 'chai';
import { connect, DEFAULTS, type ConnectOptions } from '@hotconf/client';
import { Sandbox } from './sdk-helpers.js';

const OK: ConnectOptions = { server: 'http://127.0.0.1:1', service: 'orders' };

/** Options (as a JS caller might pass them) and the exact TypeError each must produce. */
const CASES: [string, unknown, string][] = [
  ['no options', undefined, 'options must be an object'],
  ['a misspelt option', { ...OK, cachefile: '/tmp/x' }, 'options.cachefile is not a known option'],
  ['a non-URL server', { ...OK, server: 'config:8888' }, 'options.server must be an http(s) URL'],
  ['a ws: server', { ...OK, server: 'ws://config:8888' }, 'options.server must be an http(s) URL'],
  [
    'a server with a query',
    { ...OK, server: 'http://config:8888/?x=1' },
    'options.server must be an http(s) URL',
  ],
  [
    'credentials in the URL',
    { ...OK, server: 'http://u:p@config:8888' },
    'options.server must not contain credentials; use options.token',
  ],
  [
    'an upper-case service',
    { ...OK, service: 'Orders' },
    'options.service must match ^[a-z0-9][a-z0-9_.-]{0,63}$',
  ],
  [
    'a missing service',
    { server: OK.server },
    'options.service must match ^[a-z0-9][a-z0-9_.-]{0,63}$',
  ],
  [
    'a reserved service',
    { ...OK, service: 'health' },
    'options.service must not be one of v1, health, ready, metrics, monitor',
  ],
  [
    'empty profiles',
    { ...OK, profiles: [] },
    'options.profiles must be an array of 1 to 8 names matching ^[a-z0-9][a-z0-9_.-]{0,63}$',
  ],
  [
    'a comma-joined profile string',
    { ...OK, profiles: 'dev,eu' },
    'options.profiles must be an array of 1 to 8 names matching ^[a-z0-9][a-z0-9_.-]{0,63}$',
  ],
  [
    'nine profiles',
    { ...OK, profiles: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] },
    'options.profiles must be an array of 1 to 8 names matching ^[a-z0-9][a-z0-9_.-]{0,63}$',
  ],
  [
    'a label with ..',
    { ...OK, label: 'main/../x' },
    'options.label must match ^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$ and must not contain ..',
  ],
  [
    'a label starting with -',
    { ...OK, label: '--upload-pack=x' },
    'options.label must match ^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$ and must not contain ..',
  ],
  [
    'a token with a newline',
    { ...OK, token: 'a\nb' },
    'options.token must be a non-empty string of visible ASCII characters',
  ],
  ['an empty cache file', { ...OK, cacheFile: '' }, 'options.cacheFile must be a non-empty string'],
  [
    'a zero boot timeout',
    { ...OK, bootTimeoutMs: 0 },
    'options.bootTimeoutMs must be a positive finite number',
  ],
  [
    'a string boot timeout',
    { ...OK, bootTimeoutMs: '30000' },
    'options.bootTimeoutMs must be a positive finite number',
  ],
  [
    'an infinite request timeout',
    { ...OK, requestTimeoutMs: Infinity },
    'options.requestTimeoutMs must be a positive finite number',
  ],
  [
    'a negative heartbeat',
    { ...OK, heartbeatTimeoutMs: -1 },
    'options.heartbeatTimeoutMs must be a positive finite number',
  ],
  ['a non-object retry', { ...OK, retry: 5 }, 'options.retry must be an object'],
  [
    'an unknown retry option',
    { ...OK, retry: { attempts: 3 } },
    'options.retry.attempts is not a known option',
  ],
  [
    'a zero minDelayMs',
    { ...OK, retry: { minDelayMs: 0 } },
    'options.retry.minDelayMs must be a positive finite number',
  ],
  [
    'maxDelayMs below minDelayMs',
    { ...OK, retry: { minDelayMs: 500, maxDelayMs: 100 } },
    'options.retry.maxDelayMs must be a finite number ≥ options.retry.minDelayMs',
  ],
  [
    'a negative restartDelayMs',
    { ...OK, retry: { restartDelayMs: -5 } },
    'options.retry.restartDelayMs must be a finite number ≥ 0',
  ],
  [
    'a logger without warn',
    { ...OK, logger: {} },
    'options.logger must be an object with a warn function',
  ],
  [
    'a resolvePlaceholders that is not a boolean',
    { ...OK, resolvePlaceholders: 'no' },
    'options.resolvePlaceholders must be a boolean',
  ],
];

describe('connect options', () => {
  for (const [what, options, message] of CASES) {
    it(`rejects ${what} with a TypeError before any I/O`, async () => {
      const error = await connect(options as ConnectOptions).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(TypeError);
      expect((error as TypeError).message).to.equal(message);
    });
  }

  it('treats an empty token (HOTCONF_TOKEN= set but empty) as none', async () => {
    const sb = new Sandbox();
    try {
      const server = await sb.server(await sb.repo({ 'orders.yml': 'n: 1\n' }));
      const cfg = sb.track(await connect({ server: server.url, service: 'orders', token: '' }));
      expect(cfg.get('n')).to.equal(1);
    } finally {
      await sb.dispose();
    }
  });

  it('documents its defaults', () => {
    expect(DEFAULTS).to.deep.equal({
      profiles: ['default'],
      bootTimeoutMs: 30_000,
      requestTimeoutMs: 10_000,
      heartbeatTimeoutMs: 75_000,
      retry: { minDelayMs: 200, maxDelayMs: 30_000, restartDelayMs: 1000 },
      resolvePlaceholders: true,
    });
  });
});
