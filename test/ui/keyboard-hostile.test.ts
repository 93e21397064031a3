import { expect } from 'chai';
import { Sandbox } from '../access/access-helpers.js';
import { ConsoleBrowser } from './console-browser.js';
import {
  browserIn,
  CONSOLE_FILES,
  expectQuiet,
  focusedText,
  openConsole,
  tabTo,
  tabToId,
  waitForHeadingFocus,
} from './console-fixture.js';

const heading = (page: import('playwright-core').Page) =>
  page.locator('main h1').first().innerText();

describe('console in Chromium: keyboard and hostile content', function () {
  this.timeout(90_000);
  let sandbox: Sandbox;
  beforeEach(() => (sandbox = new Sandbox()));
  afterEach(() => sandbox.dispose());

  it('reaches every page and does every action by keyboard alone', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    const first = await repo.head();
    await repo.commit({ 'orders-dev.yml': 'db:\n  pool: 4\n' }, 'pool 4');
    const server = await sandbox.server(repo);
    const browser = await browserIn(sandbox, () => ConsoleBrowser.launch());
    const page = await openConsole(browser, server);
    await page.getByRole('cell', { name: 'orders (dev)' }).waitFor();

    // The skip link comes first and moves focus to the content.
    await page.keyboard.press('Tab');
    expect(await focusedText(page)).to.equal('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id')).to.equal('main');

    for (const [link, title] of [
      ['Rejections', 'Rejections'],
      ['Fleet', 'Fleet'],
      ['Rollouts', 'Rollouts'],
      ['Overview', 'Documents'],
    ] as const) {
      await page.keyboard.press('Shift+Tab');
      await tabTo(page, link);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
      // Focus follows to the new page's heading.
      await waitForHeadingFocus(page, title);
      if (link === 'Fleet' || link === 'Rollouts') await browser.screenshot(link.toLowerCase());
    }

    // Sort and filter the overview.
    await tabTo(page, /^State/);
    await page.keyboard.press('Enter');
    expect(await page.locator('th[aria-sort]').innerText()).to.match(/^State/);
    await page.keyboard.press('Enter');
    expect(await page.locator('th[aria-sort]').getAttribute('aria-sort')).to.equal('descending');
    await tabToId(page, 'filter', 'Shift+Tab');
    await page.keyboard.type('dev');
    await page.getByText('1 of 3 documents').waitFor();

    // Open the document, its tabs, and compare two versions.
    await tabTo(page, 'orders (dev)');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Merged config' }).waitFor();
    expect(await heading(page)).to.equal('orders (dev)');
    await waitForHeadingFocus(page, 'orders (dev)');
    await tabTo(page, 'db'); // a tree branch folds and unfolds with Enter
    await page.keyboard.press('Enter');
    const db = page.locator('.tree details', { has: page.locator('summary', { hasText: /^db$/ }) });
    expect(await db.getAttribute('open')).to.equal(null);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+Tab');
    await tabTo(page, 'History');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await waitForHeadingFocus(page, 'orders (dev)');
    await tabTo(page, 'Diff');
    await page.keyboard.press('Enter');
    await page.getByLabel('From version').waitFor();
    await waitForHeadingFocus(page, 'orders (dev)');
    await tabToId(page, 'diff-from');
    await page.keyboard.press('ArrowDown');
    await tabToId(page, 'diff-whole');
    await page.keyboard.press('Space');
    await tabTo(page, 'Compare');
    await page.keyboard.press('Enter');
    await page.waitForURL(/whole=1/);
    await page.getByRole('caption').filter({ hasText: 'Whole document' }).waitFor();
    const text = await page.locator('main').innerText();
    expect(text).to.contain(`${first.slice(0, 7)}`);
    expect(text).to.contain('1 changed key');
    expectQuiet(browser);
  });

  it('shows hostile values, keys, commit messages and authors as text, never as markup', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    await repo.commit(
      {
        'orders.yml': [
          'note: "<script>window.__pwned = 1</script>"',
          'banner: "\\"><img src=x onerror=window.__pwned=2>"',
          '"<img src=y onerror=alert(3)>": 1', // no dot: a dotted key is a path
          'rtl: "abc\\u202Egnp.exe"',
          'zero: "a\\u200Bb"',
          '',
        ].join('\n'),
      },
      '"><img src=z onerror=window.__pwned=4> <script>window.__pwned=5</script>',
      // git refuses < and > in a name; bidi and zero-width characters it keeps.
      'Mallory\u202Elive\u200Bx <m@example.com>',
    );
    const server = await sandbox.server(repo);
    const browser = await browserIn(sandbox, () => ConsoleBrowser.launch());
    const page = await openConsole(browser, server, '#/doc/orders/default');
    await page.getByRole('heading', { name: 'Merged config' }).waitFor();
    const config = await page.locator('main').innerText();
    expect(config).to.contain('note: <script>window.__pwned = 1</script>');
    expect(config).to.contain('banner: "><img src=x onerror=window.__pwned=2>');
    expect(config).to.contain('<img src=y onerror=alert(3)>: 1');
    // Bidi and zero-width characters are named, not obeyed.
    expect(config).to.contain('rtl: abcU+202Egnp.exe');
    expect(config).to.contain('zero: aU+200Bb');
    expect(config).to.contain('by MalloryU+202EliveU+200Bx');
    await browser.screenshot('hostile');

    await openConsole(browser, server, '#/doc/orders/default/history');
    await page.getByRole('heading', { name: 'History' }).waitFor();
    expect(await page.locator('main').innerText()).to.contain(
      '"><img src=z onerror=window.__pwned=4> <script>window.__pwned=5</script>',
    );
    await openConsole(browser, server, '#/');
    await page.getByRole('cell', { name: 'orders (default)' }).waitFor();
    expect(await page.locator('main').innerText()).to.contain('by MalloryU+202EliveU+200Bx');

    expect(await page.evaluate('window.__pwned')).to.equal(undefined);
    expect(await page.locator('main img, main script').count()).to.equal(0);
    expectQuiet(browser);
  });
});
