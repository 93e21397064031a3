import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
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
  '#/doc/orders/dev/history',
  '#/doc/orders/dev/diff',
];

/** axe-core's checks for WCAG 2.1 A and AA, by rule id and the elements that fail. */
const RUN_AXE = `axe
  .run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] })
  .then((r) => JSON.stringify(r.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(' ')) }))))`;

describe('console in Chromium: accessibility', function () {
  this.timeout(90_000);
  let sandbox: Sandbox;
  beforeEach(() => (sandbox = new Sandbox()));
  afterEach(() => sandbox.dispose());

  for (const width of [1280, 390]) {
    it(`passes axe-core's WCAG 2.1 AA and best-practice rules on every page at ${width} px`, async () => {
      const repo = await sandbox.repo(CONSOLE_FILES);
      await repo.commit({ 'orders-dev.yml': 'db:\n  pool: 3\n' }, 'pool 3');
      await repo.commit({ 'orders-dev.yml': 'db:\n  pool: 99\n' }, 'pool 99');
      const server = await sandbox.server(repo);
      await publishNow(server);
      // Evaluated through the DevTools protocol, which the page's CSP does not govern.
      const axe = await readFile(
        createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
        'utf8',
      );
      const browser = await browserIn(sandbox, () => ConsoleBrowser.launch(width));
      for (const hash of PAGES) {
        const page = await openConsole(browser, server, hash);
        await page.locator('main p', { hasText: /^Loading/ }).waitFor({ state: 'detached' });
        if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(axe);
        const violations = JSON.parse(await page.evaluate(RUN_AXE));
        expect(violations, hash).to.deep.equal([]);
      }
      expectQuiet(browser);
    });
  }
});
