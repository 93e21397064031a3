import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { bearer, Sandbox, TOKENS } from './access-helpers.js';

const UNAUTHORIZED = { error: { code: 'HC_UNAUTHORIZED', message: 'a valid token is required' } };

describe('Access: 401 before anything exists (DESIGN §7)', () => {
  let sb: Sandbox;
  let server: HotconfServer;
  beforeEach(async () => {
    sb = new Sandbox();
    server = await sb.server(await sb.repo(), { tokensFile: await sb.tokenFile() });
  });
  afterEach(() => sb.dispose());

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { headers });

  it('answers 401 alike for real and unknown labels, services, files and route shapes', async () => {
    const paths = [
      '/nosuchbranch/billing.yml',
      '/main/billing.yml',
      '/nosuch.yml',
      '/billing.yml',
      '/billing-default.properties',
      '/billing/default',
      '/billing/default/nosuchbranch',
      '/nosuch/default',
      '/BAD NAME/default',
      '/v1/config/billing/default',
      '/v1/config/nosuch/default',
      '/v1/config/billing/default?label=nosuchbranch',
      '/v1/config/billing/default?label=..',
      '/v1/services',
      '/v1/history/billing/default',
      '/v1/diff/billing/default',
      '/v1/no/such/route',
      '/a/b/c/d/e',
    ];
    for (const path of paths) {
      for (const headers of [{}, bearer('wrong-token'), { Authorization: 'Basic !!' }]) {
        // Twice: a second request must not take another path (the fast path) either.
        for (let i = 0; i < 2; i++) {
          const res = await get(path, headers);
          expect(res.status, path).to.equal(401);
          expect(await res.json(), path).to.deep.equal(UNAUTHORIZED);
        }
      }
    }
  });

  it('still tells a valid token apart: 400 for a bad label, 404 for an unknown service', async () => {
    const ops = bearer(TOKENS.ops);
    expect((await get('/v1/config/billing/default?label=..', ops)).status).to.equal(400);
    expect((await get('/v1/config/nosuch/default', ops)).status).to.equal(404);
    expect((await get('/main/billing.yml', ops)).status).to.equal(200);
  });

  it('leaves probes and the webhook to their own rules', async () => {
    expect((await get('/health')).status).to.equal(200);
    expect((await get('/ready')).status).to.equal(200);
    expect((await get('/metrics')).status).to.equal(200);
    const hook = await fetch(`${server.url}/v1/webhook`, { method: 'POST' });
    expect(hook.status).not.to.equal(200);
  });
});

describe('Access: HOTCONF_METRICS_TOKEN', () => {
  let sb: Sandbox;
  beforeEach(() => (sb = new Sandbox()));
  afterEach(() => sb.dispose());

  it('makes /metrics need it as a Bearer token, 401 otherwise', async () => {
    const server = await sb.server(await sb.repo(), { metricsToken: 'scrape-me-42' });
    const url = `${server.url}/metrics`;
    for (const headers of [
      {},
      bearer('scrape-me-4'),
      { Authorization: 'Basic OnNjcmFwZS1tZS00Mg==' },
    ]) {
      const res = await fetch(url, { headers });
      expect(res.status).to.equal(401);
      expect(await res.json()).to.deep.equal({
        error: {
          code: 'HC_UNAUTHORIZED',
          message: 'a valid metrics token is required (HOTCONF_METRICS_TOKEN)',
        },
      });
    }
    const ok = await fetch(url, { headers: bearer('scrape-me-42') });
    expect(ok.status).to.equal(200);
    expect(await ok.text()).to.include('hotconf_rejections_total');
  });

  it('is read from HOTCONF_METRICS_TOKEN and --metrics-token', async () => {
    const { loadSettings } = await import('../../server/src/settings.js');
    expect(loadSettings({ HOTCONF_METRICS_TOKEN: 'a' }).metricsToken).to.equal('a');
    expect(loadSettings({}, { 'metrics-token': 'b' }).metricsToken).to.equal('b');
    expect(loadSettings({}).metricsToken).to.equal(undefined);
  });
});
