import { connect, type HotconfClient } from '@hotconf/client';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { HotconfServer } from '../../server/src/create-server.js';
import { Sandbox, TOKENS } from '../access/access-helpers.js';
import { request } from '../helpers/server.js';
import { ConsoleBrowser } from './console-browser.js';
import {
  browserIn,
  expectQuiet,
  focusedText,
  openConsole,
  publishNow,
  tabTo,
} from './console-fixture.js';

/** orders/prod caps its pool at 50; payments/prod is another service's rollout. */
const FILES = {
  'orders-prod.yml': 'db:\n  pool: 5\n',
  'payments-prod.yml': 'merchant: payments-merchant-7731\n',
  'schemas/orders.schema.json': JSON.stringify({
    type: 'object',
    properties: {
      db: { type: 'object', properties: { pool: { type: 'integer', maximum: 50 } } },
    },
  }),
};

/** A first step that bakes 2 s (so the page sees a step go by), then a long one to halt. */
const CANARIES = {
  'orders-prod.canary.yml':
    'rollout:\n  steps: [{percent: 30, bake: 2s}, {percent: 50, bake: 10m}, {percent: 100, bake: 0}]\nconfig:\n  db: {pool: 40}\n',
  'payments-prod.canary.yml':
    'rollout:\n  steps: [{percent: 100, bake: 10m}]\nconfig:\n  merchant: payments-canary-4417\n',
};

/** Chromium logs every failed load: here the 404 of the rollout before it started. */
const NOT_FOUND_LOAD = /Failed to load resource: the server responded with a status of 404/;

interface View {
  status: string;
  step: number;
  cohort: string[];
  applied: number;
  bakeLeft: number | null;
  haltReason: string | null;
  events: { kind: string; message: string }[];
}

/** Waits (polling) until `check` holds, failing with `what` after `ms`. */
async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The page's fact (a `<dd>`) for the term `term`. */
function fact(page: Page, term: string): Promise<string> {
  return page
    .locator('dl.facts dt', { hasText: new RegExp(`^${term}$`) })
    .locator('xpath=following-sibling::dd[1]')
    .innerText();
}

describe('console in Chromium: a rollout page', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  const clients: HotconfClient[] = [];
  beforeEach(() => (sandbox = new Sandbox()));
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await sandbox.dispose();
  });

  /** A real SDK instance of `service`/prod in this process; waits until welcomed. */
  async function sdk(
    server: HotconfServer,
    service: string,
    instanceId: string,
    token: string,
  ): Promise<HotconfClient> {
    const client = await connect({
      server: server.url,
      service,
      profiles: ['prod'],
      instanceId,
      token,
      logger: { warn: () => undefined },
      retry: { minDelayMs: 50, maxDelayMs: 500, restartDelayMs: 100 },
    });
    client.on('error', () => undefined);
    clients.push(client);
    await until(`${instanceId} welcomed`, async () => client.instanceId !== undefined);
    return client;
  }

  /** `GET /v1/rollouts/{service}/prod` with the admin token; undefined before it starts. */
  async function maybeView(server: HotconfServer, service: string): Promise<View | undefined> {
    const reply = await request(`${server.url}/v1/rollouts/${service}/prod`, {
      headers: { Authorization: `Bearer ${TOKENS.ops}` },
    });
    if (reply.status === 404) return undefined;
    expect(reply.status).to.equal(200);
    return reply.json as unknown as View;
  }

  async function view(server: HotconfServer, service = 'orders'): Promise<View> {
    const found = await maybeView(server, service);
    if (!found) throw new Error(`${service}/prod has no rollout`);
    return found;
  }

  it('shows the steps of a running rollout, halts it by keyboard with an admin token, and shows a read token no Halt button', async () => {
    const repo = await sandbox.repo(FILES);
    const server = await sandbox.server(repo, { tokensFile: await sandbox.tokenFile() });
    const pods: HotconfClient[] = [];
    for (const id of ['pod-a', 'pod-b', 'pod-c'])
      pods.push(await sdk(server, 'orders', id, TOKENS.orders));
    await sdk(server, 'payments', 'pay-1', TOKENS.ops);
    // The admin's page is open before the rollout exists, and follows it without reload.
    const admin = await browserIn(sandbox, () =>
      ConsoleBrowser.launch(1280, { Authorization: `Bearer ${TOKENS.ops}` }),
    );
    const page = await openConsole(admin, server, '#/rollouts/orders/prod');
    await page
      .getByRole('alert')
      .filter({ hasText: 'orders (prod) has no rollout: add orders-prod.canary.yml to start one' })
      .waitFor({ timeout: 5000 });
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 10_000 });
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    await repo.commit(CANARIES, 'two canaries');
    await publishNow(server);
    // Step 1 (30 % of 3 = 1 instance) bakes 2 s; step 2 (50 % = 2) bakes 10 minutes.
    const steps: string[] = [];
    await until('step 2 baking, on the page', async () => {
      const shown = await page.locator('#rollout-status').count();
      if (shown === 1) {
        const step = await fact(page, 'Step').catch(() => '');
        if (step && steps[steps.length - 1] !== step) steps.push(step);
      }
      const r = await maybeView(server, 'orders');
      return r?.step === 2 && r.applied === 2 && r.bakeLeft !== null && steps.length === 2;
    });
    expect(steps).to.deep.equal(['1 of 3 (30 %)', '2 of 3 (50 %)']);
    expect(navigations, 'navigations while the rollout ran').to.equal(0);
    const cohort = (await view(server)).cohort;
    expect(cohort).to.have.length(2);

    // The list, then the rollout's page again by keyboard.
    await openConsole(admin, server, '#/rollouts');
    const table = page.getByRole('table', { name: 'Rollouts' });
    await table.locator('tbody tr').nth(1).waitFor({ timeout: 5000 });
    expect(await table.locator('tbody tr').allInnerTexts()).to.deep.equal([
      'orders (prod)\trunning\t2 of 3 (50 %)\t2 of 3 = 67 %\t2\t0',
      'payments (prod)\trunning\t1 of 1 (100 %)\t1 of 1 = 100 %\t1\t0',
    ]);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 10_000 });
    await admin.screenshot('rollouts-list');

    // By keyboard: Tab to the rollout's link, Enter.
    await page.locator('main h1').focus();
    await tabTo(page, 'orders (prod)');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Rollout of orders (prod)', level: 1 }).waitFor();
    expect(await fact(page, 'Status')).to.equal('running');
    expect(await fact(page, 'Step')).to.equal('2 of 3 (50 %)');
    expect(await fact(page, 'Cohort')).to.equal(
      `${cohort.join(', ')} (2 of 3 = 67 % of the eligible instances online)`,
    );
    expect(await fact(page, 'Applied')).to.equal('2');
    expect(await fact(page, 'Failed')).to.equal('0');
    expect(await fact(page, 'Bake left')).to.match(/^(\d+) s$/);
    const left = Number(/^(\d+)/.exec(await fact(page, 'Bake left'))?.[1]);
    expect(left).to.be.within(500, 600);
    // No event comes while the step bakes: the page counts down by itself.
    await until(
      'bake left counting down',
      async () => Number(/^(\d+)/.exec(await fact(page, 'Bake left'))?.[1]) <= left - 2,
      5000,
    );
    expect(await fact(page, 'Canary file')).to.equal('orders-prod.canary.yml');
    expect(await page.locator('ol.steps li').allInnerTexts()).to.deep.equal([
      '30 %, bake 2s',
      '50 %, bake 10m (current)',
      '100 %, bake 0s',
    ]);
    expect(await page.locator('ol.steps li[aria-current="step"]').innerText()).to.equal(
      '50 %, bake 10m (current)',
    );
    const events = await page.locator('ol.events li').allInnerTexts();
    expect(events.map((e) => e.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC /, ''))).to.deep.equal(
      (await view(server)).events.map((e) => e.message),
    );
    expect(events[0]).to.match(/ rollout started \(canary [0-9a-f]{12}\)$/);
    expect(events[1]).to.match(/ step 2 of 3: 50 % \(bake 10m\)$/);
    await admin.screenshot('rollout-page');

    // A read token for orders, on the running rollout: its steps, no Halt button, and
    // nothing of payments (neither on the page nor in anything it fetched).
    const reader = await browserIn(sandbox, () =>
      ConsoleBrowser.launch(1280, { Authorization: `Bearer ${TOKENS.orders}` }),
    );
    const read = await openConsole(reader, server, '#/rollouts');
    const readTable = read.getByRole('table', { name: 'Rollouts' });
    await readTable.locator('tbody tr').first().waitFor({ timeout: 5000 });
    expect(await readTable.locator('tbody tr').allInnerTexts()).to.deep.equal([
      'orders (prod)\trunning\t2 of 3 (50 %)\t2 of 3 = 67 %\t2\t0',
    ]);
    await openConsole(reader, server, '#/rollouts/orders/prod');
    await read.locator('#rollout-status', { hasText: /^running$/ }).waitFor({ timeout: 5000 });
    expect(await fact(read, 'Step')).to.equal('2 of 3 (50 %)');
    expect(await read.locator('ol.steps li').count()).to.equal(3);
    expect(await read.getByRole('button', { name: /halt/i }).count()).to.equal(0);
    await read.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 10_000 });

    // Halt by keyboard: Tab to the button, Enter; the question takes focus; Tab, Enter.
    navigations = 0;
    await page.locator('main h1').focus();
    await tabTo(page, 'Halt rollout');
    await page.keyboard.press('Enter');
    await until('the question focused', async () => (await focusedText(page)).endsWith('Halt?'));
    // A second Enter where the button was does nothing.
    await page.keyboard.press('Enter');
    await page.waitForTimeout(200);
    expect((await view(server)).status).to.equal('running');
    await tabTo(page, 'Confirm halt', 3);
    const pressed = Date.now();
    await page.keyboard.press('Enter');
    await page.locator('#rollout-status', { hasText: /^halted$/ }).waitFor({ timeout: 1000 });
    expect(await fact(page, 'Halt reason')).to.equal('halted by ops');
    const elapsed = Date.now() - pressed;
    expect(elapsed, 'ms from Enter to halted on the page').to.be.below(1000);
    process.stderr.write(`      (the page showed halted ${elapsed} ms after Enter)\n`);
    expect(navigations).to.equal(0);
    expect(await page.getByRole('button', { name: /halt/i }).count()).to.equal(0);
    expect(await page.locator('main p[aria-live]').innerText()).to.equal('Halted.');
    expect(await focusedText(page), 'focus after the halt').to.equal('Halted.');
    const halted = await view(server);
    expect(halted.status).to.equal('halted');
    expect(halted.haltReason).to.equal('halted by ops');
    expect(halted.bakeLeft).to.equal(null);
    expect(await fact(page, 'Bake left')).to.equal('none');
    await admin.screenshot('rollout-halted');
    // Every instance, the cohort first, is back on the base document.
    await until('every pod on the base document', async () =>
      pods.every((p) => p.get('db.pool') === 5),
    );
    expect(pods.map((p) => p.cohort)).to.deep.equal(['base', 'base', 'base']);
    // The other rollout carries on.
    expect((await view(server, 'payments')).status).to.equal('running');
    // The one 404: the rollout before its canary was committed.
    expectQuiet(admin, [NOT_FOUND_LOAD]);

    // The reader's page, open since before the halt, shows it too without reload.
    await read.locator('#rollout-status', { hasText: /^halted$/ }).waitFor({ timeout: 1000 });
    expect(await fact(read, 'Halt reason')).to.equal('halted by ops');
    expect(await read.locator('body').innerText()).not.to.match(/payments|pay-1/);
    const seen = await reader.bodies();
    expect(seen.map((s) => new URL(s.url).pathname)).to.include('/v1/rollouts/orders/prod');
    for (const s of seen) expect(s.body, s.url).not.to.match(/payments|pay-1/);
    expectQuiet(reader);
  });
});
