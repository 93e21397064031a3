import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { decryptValue, encryptValue } from '../../server/src/secrets/cipher-value.js';
import type { GitFixture } from '../helpers/git-fixture.js';
import { basic, bearer, Sandbox, TEST_KEY, TOKENS, waitFor } from './access-helpers.js';
import { cli, KEY, PLAIN, tamper } from './secrets-helpers.js';

describe('Secrets served through the server', () => {
  let sb: Sandbox;
  let repo: GitFixture;
  let server: HotconfServer;
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}${path}`, { headers });
    return { status: res.status, text: await res.text() };
  };
  const encrypt = async (init: RequestInit) => {
    const res = await fetch(`${server.url}/v1/encrypt`, { method: 'POST', ...init });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  beforeEach(async () => {
    sb = new Sandbox();
    repo = await sb.repo();
    server = await sb.server(repo, { tokensFile: await sb.tokenFile(), encryptKey: TEST_KEY });
  });
  afterEach(() => sb.dispose());

  it('POST /v1/encrypt answers JSON to JSON and text to text/plain, for admins only', async () => {
    const json = await encrypt({
      headers: { ...bearer(TOKENS.ops), 'Content-Type': 'application/json' },
      body: JSON.stringify({ value: PLAIN }),
    });
    expect(json.status).to.equal(200);
    expect(json.type).to.equal('application/json; charset=utf-8');
    const value = (JSON.parse(json.text) as { value: string }).value;
    expect(decryptValue(KEY, value.slice(8))).to.equal(PLAIN);
    const text = await encrypt({
      headers: { ...basic('ops', TOKENS.ops), 'Content-Type': 'text/plain' },
      body: PLAIN,
    });
    expect(text.status).to.equal(200);
    expect(text.type).to.equal('text/plain; charset=utf-8');
    expect(decryptValue(KEY, text.text.slice(8))).to.equal(PLAIN);
    const denied = await encrypt({
      headers: { ...bearer(TOKENS.orders), 'Content-Type': 'text/plain' },
      body: PLAIN,
    });
    expect(denied.status).to.equal(403);
  });

  it('POST /v1/encrypt refuses bodies it cannot use with a clear 4xx', async () => {
    const admin = bearer(TOKENS.ops);
    const cases: [RequestInit, number, string, string][] = [
      [
        { headers: { ...admin, 'Content-Type': 'application/json' }, body: '{"value": 5}' },
        400,
        'HC_BAD_REQUEST',
        'the body must be {"value": "<string to encrypt>", "service": "<optional service to bind it to>"}',
      ],
      [
        {
          headers: { ...admin, 'Content-Type': 'application/json' },
          body: '{"value": "a", "x": 1}',
        },
        400,
        'HC_BAD_REQUEST',
        'the body must be {"value": "<string to encrypt>", "service": "<optional service to bind it to>"}',
      ],
      [
        { headers: { ...admin, 'Content-Type': 'application/json' }, body: '{"value": ' },
        400,
        'HC_BAD_REQUEST',
        'the request body is not valid JSON',
      ],
      [
        {
          headers: { ...admin, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: 'value=a',
        },
        415,
        'HC_UNSUPPORTED_MEDIA_TYPE',
        'send application/json {"value": "…"} or a text/plain body',
      ],
      [
        { headers: { ...admin, 'Content-Type': 'text/plain' }, body: 'x'.repeat(70_000) },
        413,
        'HC_BODY_TOO_LARGE',
        'request bodies may be at most 65536 bytes',
      ],
    ];
    for (const [init, status, code, message] of cases) {
      const res = await encrypt(init);
      expect(res.status, message).to.equal(status);
      expect(JSON.parse(res.text)).to.deep.equal({ error: { code, message } });
    }
  });

  it('serves a committed secret decrypted to the token that may read it, and to nobody else', async () => {
    const fromCli = (await cli([PLAIN], TEST_KEY)).stdout.trim();
    const fromHttp = await encrypt({
      headers: { ...bearer(TOKENS.ops), 'Content-Type': 'text/plain' },
      body: 'api-key-42',
    });
    const version = await repo.commit(
      {
        'orders.yml': `db:\n  host: orders-db\n  password: '${fromCli}'\napi:\n  key: '${fromHttp.text}'\n`,
      },
      'add secrets',
    );
    const path = '/v1/config/orders/default';
    await waitFor(
      async () => (await get(path, bearer(TOKENS.orders))).text.includes(version),
      'the commit to be served',
    );

    const mine = JSON.parse((await get(path, bearer(TOKENS.orders))).text) as {
      config: Record<string, Record<string, unknown>>;
    };
    expect(mine.config.db).to.deep.equal({ host: 'orders-db', password: PLAIN });
    expect(mine.config.api).to.deep.equal({ key: 'api-key-42' });
    const spring = await get('/orders/default', basic('spring', TOKENS.orders));
    expect(
      (JSON.parse(spring.text) as { propertySources: { source: Record<string, unknown> }[] })
        .propertySources[0]?.source['db.password'],
    ).to.equal(PLAIN);

    for (const [headers, status] of [
      [bearer(TOKENS.billing), 403],
      [{}, 401],
      [bearer('guess'), 401],
    ] as const) {
      for (const p of [
        path,
        '/orders/default',
        '/orders-default.yml',
        '/orders-default.properties',
      ]) {
        const res = await get(p, headers);
        expect(res.status, p).to.equal(status);
        expect(res.text).not.to.include(PLAIN);
        expect(res.text).not.to.include('api-key-42');
      }
    }
    const ws = sb.socket(server, bearer(TOKENS.orders));
    await ws.opened();
    ws.send({ type: 'subscribe', id: 's', service: 'orders', profiles: ['default'], etag: null });
    expect(((await ws.next((f) => f.id === 's')).config as { db: unknown }).db).to.deep.equal({
      host: 'orders-db',
      password: PLAIN,
    });
    const status = await get('/v1/status', bearer(TOKENS.ops));
    expect(status.text).not.to.include(PLAIN);
  });

  it('rejects a tampered ciphertext at the gate, keeps the previous version, and says so in /v1/status without the secret', async () => {
    const cipher = encryptValue(KEY, PLAIN);
    const good = await repo.commit(
      { 'orders.yml': `db:\n  password: '${cipher}'\n` },
      'add password',
    );
    const path = '/v1/config/orders/default';
    await waitFor(
      async () => (await get(path, bearer(TOKENS.orders))).text.includes(good),
      'the good commit to be served',
    );

    const bad = await repo.commit(
      { 'orders.yml': `db:\n  password: '${tamper(cipher)}'\n  pool: 9\n` },
      'tamper',
    );
    // An explicit refresh: the ref watcher can miss a commit made right after another
    // (reported separately); this test is about the gate, not about noticing commits.
    await fetch(`${server.url}/v1/refresh`, { method: 'POST', headers: bearer(TOKENS.ops) });
    type Status = {
      documents: {
        service: string;
        profiles: string[];
        rejection: { commit: string; problems: unknown[] } | null;
      }[];
    };
    let rejection: Status['documents'][number]['rejection'] = null;
    await waitFor(async () => {
      const status = JSON.parse((await get('/v1/status', bearer(TOKENS.ops))).text) as Status;
      rejection =
        status.documents.find((d) => d.service === 'orders' && d.profiles.join() === 'default')
          ?.rejection ?? null;
      return rejection?.commit === bad;
    }, 'the rejection to show in /v1/status');
    expect(rejection).to.deep.include({
      commit: bad,
      problems: [
        {
          file: 'orders.yml',
          path: '/db/password',
          line: 2,
          message:
            '`db.password` could not be decrypted: the {cipher} value was altered or encrypted under another key (orders.yml line 2)',
        },
      ],
    });
    const statusText = (await get('/v1/status', bearer(TOKENS.ops))).text;
    expect(statusText).not.to.include(PLAIN);
    expect(statusText).not.to.include(KEY.toString('base64'));
    const served = JSON.parse((await get(path, bearer(TOKENS.orders))).text) as {
      version: string;
      config: unknown;
    };
    expect(served.version).to.equal(good);
    expect(served.config).to.deep.equal({ shared: { region: 'eu' }, db: { password: PLAIN } });
  });

  it('answers 503 HC_NO_ENCRYPT_KEY on POST /v1/encrypt and rejects {cipher} values when the server has no key', async () => {
    const keyless = await sb.server(repo, { tokensFile: await sb.tokenFile() });
    const res = await fetch(`${keyless.url}/v1/encrypt`, {
      method: 'POST',
      headers: { ...bearer(TOKENS.ops), 'Content-Type': 'text/plain' },
      body: 'x',
    });
    expect(res.status).to.equal(503);
    expect(await res.json()).to.deep.equal({
      error: {
        code: 'HC_NO_ENCRYPT_KEY',
        message: 'this server has no HOTCONF_ENCRYPT_KEY, so it cannot encrypt',
      },
    });
    const bad = await repo.commit(
      { 'orders.yml': `db:\n  password: '${encryptValue(KEY, PLAIN)}'\n` },
      'add password',
    );
    await fetch(`${keyless.url}/v1/refresh`, { method: 'POST', headers: bearer(TOKENS.ops) });
    type Status = {
      documents: {
        service: string;
        profiles: string[];
        rejection: { commit: string; problems: { message: string }[] } | null;
      }[];
    };
    let messages: string[] = [];
    await waitFor(async () => {
      const status = (await (
        await fetch(`${keyless.url}/v1/status`, { headers: bearer(TOKENS.ops) })
      ).json()) as Status;
      const doc = status.documents.find(
        (d) => d.service === 'orders' && d.profiles.join() === 'default',
      );
      messages = doc?.rejection?.commit === bad ? doc.rejection.problems.map((p) => p.message) : [];
      return messages.length > 0;
    }, 'the keyless rejection');
    expect(messages).to.deep.equal([
      '`db.password` could not be decrypted: the {cipher} value is encrypted but the server has no HOTCONF_ENCRYPT_KEY or HOTCONF_SPRING_ENCRYPT_KEY (orders.yml line 2)',
    ]);
  });
});
