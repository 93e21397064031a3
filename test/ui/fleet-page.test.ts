import { connect, type HotconfClient } from '@hotconf/client';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { HotconfServer } from '../../server/src/create-server.js';
import { Sandbox, TOKENS } from '../access/access-helpers.js';
import { ConsoleBrowser } from './console-browser.js';
import {
  browserIn,
  CONSOLE_FILES,
  expectQuiet,
  openConsole,
  publishNow,
  tabToId,
} from './console-fixture.js';

/** Waits (polling) until `check` holds, failing with `what` after `ms`. */
async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Text of the fleet page's count line, e.g. "2 online, 0 offline; 2 shown." */
function countLine(page: Page): Promise<string> {
  return page.locator('#fleet-count').innerText();
}

/** Instance ids in the instances table, in order. */
async function ids(page: Page): Promise<string[]> {
  const cells = page.getByRole('table', { name: 'Instances' }).locator('tbody tr td:first-child');
  return (await cells.allInnerTexts()).map((t) => t.trim());
}

describe('console in Chromium: fleet pages', function () {
  this.timeout(90_000);
  let sandbox: Sandbox;
  const clients: HotconfClient[] = [];
  beforeEach(() => (sandbox = new Sandbox()));
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await sandbox.dispose();
  });

  /** An SDK instance in this process, as a service's pod would run it; waits until welcomed. */
  async function sdk(
    server: HotconfServer,
    options: {
      service: string;
      instanceId: string;
      labels?: Record<string, string>;
      token?: string;
    },
    onChange?: () => Promise<void>,
  ): Promise<HotconfClient> {
    const client = await connect({
      server: server.url,
      logger: { warn: () => undefined },
      retry: { minDelayMs: 50, maxDelayMs: 500, restartDelayMs: 100 },
      ...options,
    });
    client.on('error', () => undefined);
    if (onChange) client.on('change', onChange);
    clients.push(client);
    await until(`${options.instanceId} welcomed`, async () => client.instanceId !== undefined);
    return client;
  }

  it('counts the SDK instances the test started, updates within 1 s of an applied and of going offline, and filters by keyboard', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    const server = await sandbox.server(repo);
    // pod-b's listener takes 1.5 s, so its `applied` comes well after the publish itself.
    let appliedAt = 0;
    await sdk(server, { service: 'orders', instanceId: 'pod-a', labels: { zone: 'eu-1' } });
    await sdk(
      server,
      { service: 'orders', instanceId: 'pod-b', labels: { zone: 'us-1' } },
      async () => {
        await new Promise((r) => setTimeout(r, 1500));
        appliedAt = Date.now();
      },
    );
    await sdk(server, { service: 'payments', instanceId: 'pay-1' });
    const browser = await browserIn(sandbox, () => ConsoleBrowser.launch());
    const page = await openConsole(browser, server, '#/fleet');
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 10_000 });

    const docs = page.getByRole('table', { name: 'Instances per document' });
    const orders = docs.getByRole('row').filter({ hasText: 'orders (default)' });
    await orders.getByRole('cell', { name: '2 of 2' }).waitFor({ timeout: 5000 });
    expect(
      await docs.getByRole('row').filter({ hasText: 'payments (default)' }).innerText(),
    ).to.match(/payments \(default\)\t[0-9a-f]{7}\t1\t1 of 1\t0\t0\t0/);
    expect(await page.locator('main p[aria-live]').innerText()).to.equal(
      '3 instances online across 2 documents.',
    );
    await browser.screenshot('fleet-documents');

    // By keyboard: Tab to the document's link, Enter.
    await page.locator('main h1').focus();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const text = await page.evaluate('document.activeElement?.textContent ?? ""');
      if (text === 'orders (default)') break;
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Fleet of orders (default)', level: 1 }).waitFor();
    await until('both pods listed', async () => (await ids(page)).length === 2);
    expect(await ids(page)).to.deep.equal(['pod-a', 'pod-b']);
    expect(await countLine(page)).to.equal('2 online, 0 offline; 2 shown.');

    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    const commit = await repo.commit({ 'orders.yml': 'db:\n  host: orders-db\n  pool: 7\n' });
    await publishNow(server);
    const podB = page.getByRole('row').filter({ hasText: 'pod-b' });
    const short = commit.slice(0, 7);
    // pod-a applied at once; pod-b still holds the old version while its listener runs.
    await page
      .getByRole('row')
      .filter({ hasText: 'pod-a' })
      .getByText(short)
      .waitFor({ timeout: 2000 });
    expect(await podB.innerText()).to.match(/\tolder\t/);
    await until('pod-b applied', async () => appliedAt > 0);
    await podB.getByText(short).waitFor({ timeout: 1000 });
    const elapsed = Date.now() - appliedAt;
    expect(elapsed, 'ms from the applied to the page').to.be.below(1000);
    process.stderr.write(`      (the page showed the applied ${elapsed} ms after it)\n`);
    expect(await podB.innerText()).to.match(/\tapplied\t/);
    expect(navigations).to.equal(0);

    // Online → offline without reload.
    const pageClient = clients[0]!;
    await pageClient.close();
    const closedAt = Date.now();
    await page.getByText('1 online, 1 offline; 2 shown.').waitFor({ timeout: 1000 });
    expect(Date.now() - closedAt).to.be.below(1000);
    expect(await page.getByRole('row').filter({ hasText: 'pod-a' }).innerText()).to.match(
      /\toffline\toffline\t/,
    );
    await browser.screenshot('fleet-instances');

    // Filters, by keyboard only.
    await tabToId(page, 'f-state');
    await page.keyboard.type('offline');
    await until('the offline filter', async () => (await ids(page)).join() === 'pod-a');
    expect(await countLine(page)).to.equal('1 online, 1 offline; 1 shown.');
    // offline is the third option: two steps up is all.
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await until('all again', async () => (await ids(page)).length === 2);
    await tabToId(page, 'f-label');
    await page.keyboard.type('zone=us-1');
    await until('the label filter', async () => (await ids(page)).join() === 'pod-b');
    expect(await countLine(page)).to.equal('1 online, 1 offline; 1 shown.');
    expectQuiet(browser);
  });

  it('shows a read token for orders only the instances of orders', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    const server = await sandbox.server(repo, { tokensFile: await sandbox.tokenFile() });
    await sdk(server, { service: 'orders', instanceId: 'pod-a', token: TOKENS.orders });
    await sdk(server, { service: 'payments', instanceId: 'secret-pay-pod', token: TOKENS.ops });
    const auth = { Authorization: `Bearer ${TOKENS.orders}` };
    const browser = await browserIn(sandbox, () => ConsoleBrowser.launch(1280, auth));
    const page = await openConsole(browser, server, '#/fleet');
    const docs = page.getByRole('table', { name: 'Instances per document' });
    await docs.getByRole('cell', { name: '1 of 1' }).waitFor({ timeout: 5000 });
    expect(await docs.locator('tbody tr').count()).to.equal(1);
    await openConsole(browser, server, '#/fleet/orders/default');
    await until('pod-a listed', async () => (await ids(page)).join() === 'pod-a');
    // The payments pod reports while the page is open: nothing of it may reach the page.
    await repo.commit({ 'payments.yml': 'currency: USD\n' });
    await publishNow(server);
    await page.waitForTimeout(500);
    expect(await page.locator('body').innerText()).not.to.match(/payments|secret-pay-pod/);
    for (const seen of await browser.bodies()) {
      expect(seen.body, seen.url).not.to.match(/payments|secret-pay-pod/);
    }
    expectQuiet(browser);
  });
});
