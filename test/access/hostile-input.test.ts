import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { encryptValue, parseKey } from '../../server/src/secrets/cipher-value.js';
import type { GitFixture } from '../helpers/git-fixture.js';
import {
  CONTROL,
  dec,
  enc,
  hostileBodies,
  INJECTION,
  LONG,
  malformedAuthorizations,
  readTargets,
  TRAVERSAL,
} from './hostile-payloads.js';
import {
  basic,
  bearer,
  Sandbox,
  STANDARD_FILES,
  TEST_KEY,
  TOKENS,
  WatchSocket,
} from './access-helpers.js';
import {
  gitSpy,
  rawRequest,
  request,
  ServerProcess,
  waitReady,
  type Reply,
} from './hostile-helpers.js';

const SECRET = 'db-pa55-word-9c1e';

describe('Hostile input', function () {
  this.timeout(120_000);
  const sb = new Sandbox();
  let repo: GitFixture;
  let spy: { bin: string; log: string };
  let server: ServerProcess;
  let port: number;
  let pwned: string;
  let tokensFile: string;
  const replies: { what: string; reply: Reply }[] = [];
  const admin = bearer(TOKENS.ops);

  /** Sends one request and records it; every hostile request must get a 4xx (or a closed socket for an oversized upload). */
  const send = async (what: string, go: () => Promise<Reply>) => {
    const reply = await go();
    replies.push({ what, reply });
    return reply;
  };

  before(async () => {
    const dir = await sb.tempDir();
    spy = await gitSpy(dir);
    pwned = path.join(dir, 'PWNED');
    const cipher = encryptValue(parseKey(TEST_KEY), SECRET);
    repo = await sb.repo({
      ...STANDARD_FILES,
      'orders.yml': `db:\n  host: orders-db\n  pool: 5\n  password: '${cipher}'\n`,
    });
    tokensFile = await sb.tokenFile();
    port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    server = new ServerProcess({
      ...process.env,
      PATH: `${spy.bin}${path.delimiter}${process.env.PATH ?? ''}`,
      HOTCONF_REPO: repo.dir,
      HOTCONF_HOST: '127.0.0.1',
      HOTCONF_PORT: String(port),
      HOTCONF_TOKENS_FILE: tokensFile,
      HOTCONF_ENCRYPT_KEY: TEST_KEY,
      HOTCONF_CACHE_DIR: path.join(dir, 'cache'),
      HOTCONF_LOG_LEVEL: 'info',
    });
    sb.defer(() => server.stop());
    await waitReady(port, server);
  });
  after(() => sb.dispose());

  it('runs git only through the spy (the check below is meaningful)', async () => {
    const log = await readFile(spy.log, 'utf8');
    expect(log).to.include('--end--');
    expect(log).to.include('cat-file');
  });

  it('answers path traversal in every position, plain and encoded, with a 4xx', async () => {
    const pieces = [...TRAVERSAL, ...TRAVERSAL.slice(0, 4).map((t) => t.replace(/%2f/g, '/'))];
    for (const target of readTargets(pieces)) {
      const reply = await send(`GET ${target}`, () => request(port, 'GET', target, admin));
      expect(reply.status, target).to.be.within(400, 499);
    }
  });

  it('never passes option-like labels or names to git: 4xx everywhere', async () => {
    for (const target of readTargets(INJECTION.map(enc))) {
      const reply = await send(`GET ${target}`, () => request(port, 'GET', target, admin));
      expect(reply.status, target).to.be.within(400, 499);
      expect(reply.body).not.to.include(repo.dir);
    }
  });

  it('refuses NUL, control bytes, bad UTF-8 and bad escapes in names and labels with a 4xx', async () => {
    for (const target of readTargets(CONTROL)) {
      const reply = await send(`GET ${target}`, () => request(port, 'GET', target, admin));
      expect(reply.status, target).to.be.within(400, 499);
    }
    // Bytes no client library would send: raw NUL, bare CR, a space in the request line.
    for (const bytes of [
      'GET /v1/config/orders\0/dev HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /orders/dev HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\0b\r\n\r\n',
      'GET /orders/dev HTTP/1.1\r\nHost: x\r\nAuthorization: Basic \rX\r\n\r\n',
      'GET /orders/dev main HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /orders/dev HTTP/1.1\r\nHost: x\r\n folded: header\r\n\r\n',
      `GET /orders/dev HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
      'GET /v1/config/orders/dev HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\r\n\r\n',
    ]) {
      const reply = await send(`raw ${JSON.stringify(bytes.slice(0, 60))}`, () =>
        rawRequest(port, Buffer.from(bytes, 'latin1')),
      );
      expect(reply.status, JSON.stringify(bytes.slice(0, 80))).to.be.within(400, 499);
    }
  });

  it('answers 10 kB names and labels with a 4xx, and a path past the header limit with 431', async () => {
    for (const target of readTargets([LONG])) {
      const reply = await send(`GET <10 kB> ${target.replace(LONG, '<long>')}`, () =>
        request(port, 'GET', target, admin),
      );
      expect(reply.status, target.replace(LONG, '<long>')).to.be.within(400, 499);
      expect(reply.body.length).to.be.below(2000);
    }
    const huge = await send('GET <20 kB path>', () =>
      request(port, 'GET', `/v1/config/${'a'.repeat(20_000)}/dev`, admin),
    );
    expect(huge.status).to.equal(431);
  });

  it('answers huge, deeply nested and malicious JSON bodies to every POST route with a 4xx or an early close', async () => {
    const bodies = hostileBodies();
    for (const route of ['/v1/encrypt', '/v1/refresh', '/v1/webhook', '/monitor']) {
      for (const [name, body] of bodies) {
        for (const headers of [admin, basic('x', 'not-a-token')]) {
          const reply = await send(`POST ${route} ${name}`, () =>
            request(
              port,
              'POST',
              route,
              { ...headers, 'Content-Type': 'application/json', 'X-GitHub-Event': 'push' },
              body,
            ),
          );
          const ok = reply.status === 0 || (reply.status >= 200 && reply.status < 500);
          expect(ok, `${route} ${name}: ${reply.status}`).to.equal(true);
          expect(reply.status, `${route} ${name}`).not.to.be.within(500, 599);
          if (route === '/v1/encrypt' && headers === admin)
            expect(reply.status, name).to.be.within(400, 499);
        }
      }
    }
  });

  it('answers malformed Authorization headers with 401 and the standard body', async () => {
    const headers = malformedAuthorizations(TOKENS.orders);
    for (const authorization of headers) {
      for (const target of [
        '/v1/config/orders/dev',
        '/orders/dev',
        '/orders-dev.yml',
        '/v1/status',
      ]) {
        const reply = await send(`GET ${target} with ${authorization.slice(0, 30)}`, () =>
          request(port, 'GET', target, { Authorization: authorization }),
        );
        expect(reply.status, `${target} ${authorization.slice(0, 40)}`).to.equal(401);
        expect(JSON.parse(reply.body)).to.deep.equal({
          error: { code: 'HC_UNAUTHORIZED', message: 'a valid token is required' },
        });
      }
    }
  });

  it('answers hostile subscriptions on /v1/watch with error frames, never HC_INTERNAL', async () => {
    // A peer that keeps sending malformed messages is closed with 1008 by design, so each
    // batch of hostile subscriptions gets a fresh connection.
    const open = async () => {
      const ws = new WatchSocket(`ws://127.0.0.1:${port}/v1/watch`, bearer(TOKENS.orders));
      sb.defer(async () => ws.ws.terminate());
      await ws.opened();
      return ws;
    };
    const values = [...TRAVERSAL.map(dec), ...INJECTION, 'a\u0000b', 'x\r\ny', LONG];
    let n = 0;
    let ws = await open();
    for (const value of values) {
      for (const field of ['service', 'profiles', 'label'] as const) {
        if (n % 5 === 0) {
          ws.ws.terminate();
          ws = await open();
        }
        const id = `h${n++}`;
        const message = {
          type: 'subscribe',
          id,
          service: 'orders',
          profiles: ['dev'],
          label: 'main',
          etag: null,
          [field]: field === 'profiles' ? [value] : value,
        };
        ws.send(message);
        const frame = await ws.next((f) => f.id === id || f.id === undefined);
        replies.push({
          what: `ws ${field}=${value.slice(0, 30)}`,
          reply: { status: frame.type === 'error' ? 400 : 200, body: JSON.stringify(frame) },
        });
        expect(frame.type, JSON.stringify(message).slice(0, 120)).to.equal('error');
        expect(frame.code).to.be.oneOf(['HC_INVALID_NAME', 'HC_INVALID_LABEL', 'HC_BAD_MESSAGE']);
        expect(ws.closed).to.equal(undefined);
      }
    }
  });

  it('sent at least 200 hostile requests, none answered with a 5xx', () => {
    expect(replies.length).to.be.at.least(200);
    const fives = replies.filter((r) => r.reply.status >= 500);
    expect(fives.map((r) => r.what)).to.deep.equal([]);
  });

  it('still answers correctly afterwards, over HTTP and WebSocket', async () => {
    expect(server.alive).to.equal(true);
    expect(await request(port, 'GET', '/health')).to.deep.equal({
      status: 200,
      body: '{"status":"ok"}',
    });
    const doc = await request(port, 'GET', '/v1/config/orders/dev', bearer(TOKENS.orders));
    expect(doc.status).to.equal(200);
    expect((JSON.parse(doc.body) as { config: unknown }).config).to.deep.equal({
      shared: { region: 'eu' },
      db: { host: 'orders-db', pool: 2, password: SECRET },
    });
    expect(
      (await request(port, 'GET', '/orders/dev', basic('spring', TOKENS.billing))).status,
    ).to.equal(403);
    const ws = new WatchSocket(`ws://127.0.0.1:${port}/v1/watch`, bearer(TOKENS.orders));
    sb.defer(async () => ws.ws.terminate());
    await ws.opened();
    ws.send({ type: 'subscribe', id: 'ok', service: 'orders', profiles: ['dev'], etag: null });
    expect((await ws.next((f) => f.id === 'ok')).type).to.equal('snapshot');
  });

  it('never let any hostile string reach a git process, nor run a command', async () => {
    const log = await readFile(spy.log, 'utf8');
    const argv = log.split('\n');
    const needles = [
      'PWNED',
      'passwd',
      'upload-pack',
      'sshCommand',
      '--exec',
      '--output',
      'win.ini',
      '.git/config',
      '%2e',
      '%2f',
      '%25',
      '%00',
      '\\',
      '@{',
      '^{',
      '$(',
      '`',
      'aaaaaaaaaaaaaaaa',
    ];
    for (const needle of needles) {
      expect(
        argv.filter((a) => a.includes(needle)),
        needle,
      ).to.deep.equal([]);
    }
    expect(
      argv.filter((a) => a === '..' || a.includes('../') || a.startsWith(':/')),
      '..',
    ).to.deep.equal([]);
    expect(
      argv.filter((a) => /[\x00-\x08\x0b-\x1f\x7f]/.test(a)),
      'control bytes',
    ).to.deep.equal([]);
    expect(existsSync(pwned)).to.equal(false);
    expect(existsSync('/tmp/PWNED')).to.equal(false);
  });

  it('kept tokens, secrets and server paths out of its logs', () => {
    for (const token of Object.values(TOKENS)) expect(server.output).not.to.include(token);
    expect(server.output).not.to.include(SECRET);
    expect(server.output).not.to.include(tokensFile);
    expect(server.output).not.to.include(path.dirname(spy.log));
  });
});
