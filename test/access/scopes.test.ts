import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { basic, bearer, Sandbox, STANDARD_FILES, TOKENS } from './access-helpers.js';

const UNAUTHORIZED = { error: { code: 'HC_UNAUTHORIZED', message: 'a valid token is required' } };
const forbiddenRead = (service: string) => ({
  error: { code: 'HC_FORBIDDEN', message: `this token may not read service ${service}` },
});
const FORBIDDEN_ADMIN = {
  error: { code: 'HC_FORBIDDEN', message: 'this endpoint needs an admin token' },
};

describe('Access scopes', () => {
  const sb = new Sandbox();
  let server: HotconfServer;
  const call = async (path: string, headers: Record<string, string> = {}, method = 'GET') => {
    const res = await fetch(`${server.url}${path}`, { method, headers });
    const text = await res.text();
    return {
      status: res.status,
      text,
      json: () => JSON.parse(text) as unknown,
      headers: res.headers,
    };
  };

  before(async () => {
    const repo = await sb.repo(STANDARD_FILES);
    server = await sb.server(repo, { tokensFile: await sb.tokenFile() });
  });
  after(() => sb.dispose());

  describe('native GET /v1/config', () => {
    it('serves a service to a token whose globs name it', async () => {
      const res = await call('/v1/config/orders/dev', bearer(TOKENS.orders));
      expect(res.status).to.equal(200);
      expect((res.json() as { config: unknown }).config).to.deep.equal({
        shared: { region: 'eu' },
        db: { host: 'orders-db', pool: 2 },
      });
    });

    it('lets `orders-*` match orders-audit but not a name that merely starts with orders', async () => {
      expect(
        (await call('/v1/config/orders-audit/default', bearer(TOKENS.orders))).status,
      ).to.equal(200);
      const res = await call('/v1/config/ordersreport/default', bearer(TOKENS.orders));
      expect(res.status).to.equal(403);
      expect(res.json()).to.deep.equal(forbiddenRead('ordersreport'));
    });

    it('answers 403 with the standard body outside the token’s scope', async () => {
      const res = await call('/v1/config/billing/default', bearer(TOKENS.orders));
      expect(res.status).to.equal(403);
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
      expect(res.json()).to.deep.equal(forbiddenRead('billing'));
      expect(res.text).not.to.include('EUR');
    });

    it('answers 401 with the standard body and a WWW-Authenticate challenge without a valid token', async () => {
      for (const headers of [
        {},
        bearer('not-a-token'),
        bearer(`${TOKENS.orders}x`),
        { Authorization: TOKENS.orders },
      ]) {
        const res = await call('/v1/config/orders/dev', headers);
        expect(res.status, JSON.stringify(headers)).to.equal(401);
        expect(res.json()).to.deep.equal(UNAUTHORIZED);
        expect(res.headers.get('www-authenticate')).to.equal('Basic realm="hotconf", Bearer');
        expect(res.text).not.to.include('orders-db');
      }
    });

    it('lets an admin token read every service', async () => {
      expect((await call('/v1/config/orders/dev', bearer(TOKENS.ops))).status).to.equal(200);
      expect((await call('/v1/config/billing/default', bearer(TOKENS.ops))).status).to.equal(200);
    });
  });

  describe('Spring routes', () => {
    it('serves /{service}/{profiles}[/{label}] to a Spring client sending the token as the Basic password', async () => {
      const res = await call('/orders/dev', basic('spring-client', TOKENS.orders));
      expect(res.status).to.equal(200);
      const env = res.json() as {
        name: string;
        propertySources: { name: string; source: Record<string, unknown> }[];
      };
      expect(env.name).to.equal('orders');
      expect(env.propertySources.map((p) => p.name)).to.deep.equal([
        'orders-dev.yml',
        'orders.yml',
        'application.yml',
      ]);
      expect(env.propertySources[0]?.source).to.deep.equal({ 'db.pool': 2 });
      expect(
        (await call('/orders/dev/main', basic('any-user-name', TOKENS.orders))).status,
      ).to.equal(200);
      expect((await call('/orders/dev/main', basic('', TOKENS.orders))).status).to.equal(200);
    });

    it('refuses /{service}/{profiles} outside the scope (403) and without a token (401)', async () => {
      const forbidden = await call('/billing/default', basic('spring', TOKENS.orders));
      expect(forbidden.status).to.equal(403);
      expect(forbidden.json()).to.deep.equal(forbiddenRead('billing'));
      const withLabel = await call('/billing/default/main', bearer(TOKENS.orders));
      expect(withLabel.status).to.equal(403);
      const none = await call('/orders/dev');
      expect(none.status).to.equal(401);
      expect(none.json()).to.deep.equal(UNAUTHORIZED);
    });

    it('applies the same scopes to /{service}-{profile}.{ext} and /{label}/{service}-{profile}.{ext}', async () => {
      const yml = await call('/orders-dev.yml', basic('spring', TOKENS.orders));
      expect(yml.status).to.equal(200);
      expect(yml.text).to.include('pool: 2');
      const props = await call('/main/orders-dev.properties', bearer(TOKENS.orders));
      expect(props.status).to.equal(200);
      expect(props.text).to.include('db.host: orders-db');
      for (const path of [
        '/billing-default.yml',
        '/billing-default.json',
        '/main/billing-default.properties',
      ]) {
        const res = await call(path, bearer(TOKENS.orders));
        expect(res.status, path).to.equal(403);
        expect(res.json()).to.deep.equal(forbiddenRead('billing'));
        expect(res.text).not.to.include('EUR');
        const none = await call(path);
        expect(none.status, path).to.equal(401);
        expect(none.json()).to.deep.equal(UNAUTHORIZED);
      }
    });
  });

  describe('GET /v1/services', () => {
    const names = async (headers: Record<string, string>) =>
      (
        (await call('/v1/services', headers)).json() as { services: { service: string }[] }
      ).services.map((s) => s.service);

    it('lists only the services the caller may read', async () => {
      expect(await names(bearer(TOKENS.orders))).to.deep.equal(['orders', 'orders-audit']);
      expect(await names(basic('x', TOKENS.billing))).to.deep.equal(['billing']);
      expect(await names(bearer(TOKENS.ops))).to.include.members([
        'billing',
        'orders',
        'orders-audit',
      ]);
    });

    it('answers 401 without a token', async () => {
      const res = await call('/v1/services');
      expect(res.status).to.equal(401);
      expect(res.json()).to.deep.equal(UNAUTHORIZED);
    });
  });

  describe('GET /v1/history', () => {
    it('refuses a service outside the scope (403) and a caller without a token (401)', async () => {
      const forbidden = await call('/v1/history/billing/default', bearer(TOKENS.orders));
      expect(forbidden.status).to.equal(403);
      expect(forbidden.json()).to.deep.equal(forbiddenRead('billing'));
      expect((await call('/v1/history/orders/dev')).status).to.equal(401);
    });
  });

  describe('admin endpoints', () => {
    for (const [method, path] of [
      ['GET', '/v1/status'],
      ['POST', '/v1/refresh'],
      ['POST', '/v1/encrypt'],
    ] as const) {
      it(`${method} ${path} answers 403 to a read token and 401 without one`, async () => {
        const forbidden = await call(path, bearer(TOKENS.orders), method);
        expect(forbidden.status).to.equal(403);
        expect(forbidden.json()).to.deep.equal(FORBIDDEN_ADMIN);
        const none = await call(path, {}, method);
        expect(none.status).to.equal(401);
        expect(none.json()).to.deep.equal(UNAUTHORIZED);
      });
    }

    it('serves /v1/status and /v1/refresh to an admin token', async () => {
      const status = await call('/v1/status', bearer(TOKENS.ops));
      expect(status.status).to.equal(200);
      expect(status.json()).to.have.property('documents');
      const refresh = await call('/v1/refresh', basic('ops', TOKENS.ops), 'POST');
      expect(refresh.status).to.equal(200);
      expect(refresh.json()).to.have.nested.property('labels.main');
    });
  });

  describe('/v1/watch', () => {
    it('refuses an upgrade without a valid token with 401 and the standard body', async () => {
      for (const headers of [{}, bearer('wrong'), basic('u', 'wrong')]) {
        const error = await sb
          .socket(server, headers)
          .opened()
          .then(
            () => undefined,
            (e: Error & { status: number; body: string }) => e,
          );
        expect(error?.status).to.equal(401);
        expect(JSON.parse(error?.body ?? '')).to.deep.equal(UNAUTHORIZED);
      }
    });

    it('sends HC_FORBIDDEN for a subscription outside the scope and a snapshot inside it', async () => {
      const ws = sb.socket(server, basic('spring', TOKENS.orders));
      await ws.opened();
      ws.send({
        type: 'subscribe',
        id: 'b1',
        service: 'billing',
        profiles: ['default'],
        label: 'main',
        etag: null,
      });
      expect(await ws.next((f) => f.id === 'b1')).to.deep.equal({
        type: 'error',
        id: 'b1',
        code: 'HC_FORBIDDEN',
        message: 'this token may not read service billing',
      });
      ws.send({ type: 'subscribe', id: 'o1', service: 'orders', profiles: ['dev'], etag: null });
      const snapshot = await ws.next((f) => f.id === 'o1');
      expect(snapshot.type).to.equal('snapshot');
      expect(snapshot.config).to.deep.equal({
        shared: { region: 'eu' },
        db: { host: 'orders-db', pool: 2 },
      });
      expect(ws.closed).to.equal(undefined);
    });
  });
});
