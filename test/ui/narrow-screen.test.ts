import { expect } from 'chai';
import { Sandbox } from '../access/access-helpers.js';
import { ConsoleBrowser } from './console-browser.js';
import {
  browserIn,
  CONSOLE_FILES,
  expectQuiet,
  openConsole,
  publishNow,
} from './console-fixture.js';

const PAGES = [
  '#/',
  '#/rejections',
  '#/fleet',
  '#/rollouts',
  '#/doc/orders/dev',
  '#/doc/orders/default',
  '#/doc/orders/default/history',
  '#/doc/orders/default/diff',
];

describe('console in Chromium: a 390 px wide screen', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  beforeEach(() => (sandbox = new Sandbox()));
  afterEach(() => sandbox.dispose());

  it('fits every page without sideways scrolling, long values included', async () => {
    const repo = await sandbox.repo(CONSOLE_FILES);
    await repo.commit(
      {
        'orders.yml': `db:\n  host: ${'a-very-long-host-name-'.repeat(8)}\n  pool: 5\n`,
        'orders-dev.yml': 'db:\n  pool: 99\n',
      },
      `a commit message that goes on and on ${'and on '.repeat(20)}`,
    );
    const server = await sandbox.server(repo);
    await publishNow(server);
    const browser = await browserIn(sandbox, () => ConsoleBrowser.launch(390));
    for (const hash of PAGES) {
      const page = await openConsole(browser, server, hash);
      await page.locator('main p', { hasText: /^Loading/ }).waitFor({ state: 'detached' });
      const width = await page.evaluate('document.documentElement.scrollWidth');
      expect(width, hash).to.be.at.most(390);
    }
    expectQuiet(browser);
  });
});
