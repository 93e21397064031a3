import { expect } from 'chai';
import { Sandbox, STANDARD_TOKENS, TOKENS } from '../access/access-helpers.js';
import { ConsoleBrowser } from './console-browser.js';
import {
  browserIn,
  CONSOLE_FILES,
  expectQuiet,
  openConsole,
  publishNow,
} from './console-fixture.js';

/** The one console message a 401 causes: Chromium logs every failed load. */
const UNAUTHORIZED_LOAD = /Failed to load resource: the server responded with a status of 401/;

/** Every page of the console an `orders` token can open. */
const PAGES = [
  '#/',
  '#/rejections',
  '#/fleet',
  '#/rollouts',
  '#/doc/orders/default',
  '#/doc/orders/dev',
  '#/doc/orders/dev/history',
  '#/doc/orders/dev/diff',
];

describe('console in Chromium: tokens', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  beforeEach(() => (sandbox = new Sandbox()));
  afterEach(() => sandbox.dispose());

  it('asks for a token on 401, and a read token for orders never sees payments', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    const server = await sandbox.server(repo, { tokensFile: await sandbox.tokenFile() });
    const browser = await browserIn(sandbox, () => ConsoleBrowser.launch());
    const { page } = browser;
    await page.goto(`${server.url}/ui#/`);
    const field = page.getByLabel('Access token');
    await field.waitFor();
    await browser.screenshot('sign-in');
    await field.fill(TOKENS.orders);
    await page.keyboard.press('Enter');
    await page.getByRole('cell', { name: 'orders (dev)' }).waitFor();
    expect(await page.getByLabel('Access token').count()).to.equal(0);

    // Changes to payments while the page is open must not reach it either.
    await repo.commit({ 'payments.yml': 'currency: USD\nmerchant: payments-merchant-9999\n' });
    await publishNow(server);
    for (const hash of PAGES) {
      await openConsole(browser, server, hash);
      await page.locator('main p', { hasText: /^Loading/ }).waitFor({ state: 'detached' });
      const text = await page.locator('body').innerText();
      expect(text, hash).not.to.match(/payments/i);
    }
    const seen = await browser.bodies();
    expect(seen.length).to.be.above(10);
    for (const r of seen) {
      expect(r.body, r.url).not.to.match(/payments/i);
      expect(new URL(r.url).pathname, 'nothing from outside the server').to.satisfy(
        (p: string) =>
          r.url.startsWith(server.url) && (p.startsWith('/ui') || p.startsWith('/v1/')),
      );
    }
    // Only the first data requests were refused; every later one carried the token.
    const refused = seen.filter((r) => r.status === 401).map((r) => new URL(r.url).pathname);
    expect(refused).to.deep.equal(['/v1/console/documents']);
    expect(await page.evaluate('sessionStorage.getItem("hotconf.token")')).to.equal(TOKENS.orders);
    expectQuiet(browser, [UNAUTHORIZED_LOAD]);
  });

  it('never asks for a token when the browser or a proxy already sends one', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    const server = await sandbox.server(repo, {
      tokensFile: await sandbox.tokenFile(STANDARD_TOKENS),
    });
    const browser = await browserIn(sandbox, () =>
      ConsoleBrowser.launch(1280, { Authorization: `Bearer ${TOKENS.ops}` }),
    );
    const page = await openConsole(browser, server);
    await page.getByRole('cell', { name: 'payments (default)' }).waitFor();
    expect(await page.locator('main').innerText()).to.contain('signed in as ops (admin)');
    expect(await page.getByLabel('Access token').count()).to.equal(0);
    const seen = await browser.bodies();
    expect(seen.filter((r) => r.status === 401)).to.deep.equal([]);
    expectQuiet(browser);
  });
});
