import { expect } from 'chai';
import { once } from 'node:events';
import { Sandbox } from '../access/access-helpers.js';
import { ConsoleBrowser } from './console-browser.js';
import {
  browserIn,
  CONSOLE_FILES,
  expectQuiet,
  openConsole,
  publishNow,
} from './console-fixture.js';

describe('console in Chromium: overview and rejections', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  beforeEach(() => (sandbox = new Sandbox()));
  afterEach(() => sandbox.dispose());

  it('shows a new commit on the overview within 1 s of its publish, without a reload', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    const server = await sandbox.server(repo);
    const browser = await browserIn(sandbox, () => ConsoleBrowser.launch());
    const page = await openConsole(browser, server);
    await page.getByRole('cell', { name: 'orders (dev)' }).waitFor();
    const live = page.getByRole('status');
    await live.filter({ hasText: 'Live' }).waitFor({ timeout: 10_000 });
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    await page.evaluate('window.__sameDocument = 42');

    // Listen first: a poll may see the commit before publishNow does.
    const published = once(server.parts!.publisher, 'change');
    const commit = await repo.commit(
      { 'orders-dev.yml': 'db:\n  pool: 3\n' },
      'raise the dev pool',
      'Dana Ops <dana@example.com>',
    );
    void publishNow(server);
    await published;
    const at = Date.now();
    await page.getByText(commit.slice(0, 7)).first().waitFor({ timeout: 1000 });
    const elapsed = Date.now() - at;
    expect(elapsed, 'ms from publish to the overview').to.be.below(1000);
    const row = page.getByRole('row').filter({ hasText: 'orders (dev)' });
    expect(await row.innerText()).to.contain('Dana Ops');
    expect(await page.evaluate('window.__sameDocument')).to.equal(42);
    expect(navigations).to.equal(0);
    await browser.screenshot('overview');
    expectQuiet(browser);
  });

  it('shows a schema-breaking commit as a rejection with file, line, author and the version served instead', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    const served = await repo.head();
    const server = await sandbox.server(repo);
    const browser = await browserIn(sandbox, () => ConsoleBrowser.launch());
    const page = await openConsole(browser, server);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 10_000 });

    const bad = await repo.commit(
      { 'orders-dev.yml': 'db:\n  pool: 99\n' },
      'pool of 99',
      'Rex Rash <rex@example.com>',
    );
    await publishNow(server);
    const row = page.getByRole('row').filter({ hasText: 'orders (dev)' });
    await row.getByText('refused').waitFor({ timeout: 1000 });
    expect(await row.innerText()).to.contain('rejected');

    await row.getByRole('link', { name: /refused/ }).click();
    await page.getByRole('heading', { name: 'Rejections', level: 1 }).waitFor();
    const card = page.getByRole('article').filter({ hasText: 'orders (dev)' });
    const text = await card.innerText();
    expect(text).to.contain(`Commit ${bad.slice(0, 7)} by Rex Rash`);
    expect(text).to.contain(': pool of 99');
    expect(text).to.match(/orders-dev\.yml line 2: .*db\.pool.* 50/);
    expect(text).to.contain(`Served instead: version ${served.slice(0, 7)}`);
    await browser.screenshot('rejections');

    await card.getByRole('link', { name: 'orders (dev)' }).click();
    await page.getByRole('heading', { name: 'Merged config' }).waitFor();
    expect(await page.locator('.callout').innerText()).to.contain('orders-dev.yml line 2');
    const tree = await page.locator('.tree').innerText();
    expect(tree).to.match(/pool: 2\s*orders-dev\.yml:2/);
    expect(tree).to.match(/password: \*{6}\s*orders\.yml:4/);
    expect(tree).not.to.contain('hunter2');
    await browser.screenshot('document');
    expectQuiet(browser);
  });
});
