import { expect } from 'chai';
import { Sandbox } from '../access/access-helpers.js';
import { ConsoleBrowser } from './console-browser.js';
import { browserIn, CONSOLE_FILES, expectQuiet, openConsole } from './console-fixture.js';

describe('console in Chromium: history and diff', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  beforeEach(() => (sandbox = new Sandbox()));
  afterEach(() => sandbox.dispose());

  it('diffs two commits showing exactly the changed keys, or the whole document on request', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    const from = await repo.commit(
      { 'orders.yml': 'db:\n  host: orders-db\n  pool: 5\n  password: hunter2\nretries: 3\n' },
      'add retries',
    );
    await repo.commit({ 'application.yml': 'shared:\n  region: eu\n  tier: gold\n' }, 'tier');
    const to = await repo.commit(
      {
        'orders.yml': 'db:\n  host: orders-db-2\n  pool: 5\n  password: swordfish\ntimeout: 30\n',
      },
      'new db host, a timeout, no retries',
    );
    const server = await sandbox.server(repo);
    const browser = await browserIn(sandbox, () => ConsoleBrowser.launch());
    const page = await openConsole(browser, server, '#/doc/orders/dev/history');
    await page.getByRole('heading', { name: 'History' }).waitFor();
    const entries = page.locator('ol.history > li');
    expect(await entries.count()).to.equal(4);
    expect(await entries.first().innerText()).to.contain(
      'Changed: db.host, db.password, retries, timeout',
    );
    await browser.screenshot('history');

    await page.goto(`${server.url}/ui#/doc/orders/dev/diff?from=${from}&to=${to}`);
    const table = page.locator('table.diff');
    await table.waitFor();
    const keys = await table.locator('tbody th').allInnerTexts();
    expect(keys).to.deep.equal(['db.host', 'db.password', 'retries', 'shared.tier', 'timeout']);
    const rows = await table.locator('tbody tr').allInnerTexts();
    expect(rows.map((r) => r.split('\t').map((c) => c.trim()))).to.deep.equal([
      ['db.host', 'changed', 'orders-db', 'orders-db-2'],
      ['db.password', 'changed', '******', '******'],
      ['retries', 'removed', '3', ''],
      ['shared.tier', 'added', '', 'gold'],
      ['timeout', 'added', '', '30'],
    ]);
    expect(await page.locator('main').innerText()).not.to.match(/hunter2|swordfish/);
    await browser.screenshot('diff');

    await page.getByLabel('Show the whole document').check();
    await page.getByRole('button', { name: 'Compare' }).click();
    await table.getByRole('caption').filter({ hasText: 'Whole document' }).waitFor();
    const whole = await table.locator('tbody th').allInnerTexts();
    expect(whole).to.deep.equal([
      'db.host',
      'db.password',
      'db.pool',
      'retries',
      'shared.region',
      'shared.tier',
      'timeout',
    ]);
    const pool = await table.locator('tbody tr', { hasText: 'db.pool' }).innerText();
    expect(pool.split('\t').map((c) => c.trim())).to.deep.equal(['db.pool', 'same', '', '2']);
    expectQuiet(browser);
  });
});
