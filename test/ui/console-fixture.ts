import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { HotconfServer } from '../../server/src/create-server.js';
import type { Sandbox } from '../access/access-helpers.js';
import type { ConsoleBrowser } from './console-browser.js';

/** Two services, a shared file, a schema for orders that caps the pool at 50. */
export const CONSOLE_FILES = {
  'application.yml': 'shared:\n  region: eu\n',
  'orders.yml': 'db:\n  host: orders-db\n  pool: 5\n  password: hunter2\n',
  'orders-dev.yml': 'db:\n  pool: 2\n',
  'payments.yml': 'currency: EUR\nmerchant: payments-merchant-7731\n',
  'schemas/orders.schema.json': JSON.stringify({
    type: 'object',
    properties: {
      db: { type: 'object', properties: { pool: { type: 'integer', maximum: 50 } } },
    },
  }),
};

/** Makes the server see the repository's new commits now (as a webhook would). */
export async function publishNow(server: HotconfServer): Promise<void> {
  await server.parts?.detector.refresh();
  await server.parts?.publisher.settled();
}

/** Opens the console at `hash` and waits for its first heading. */
export async function openConsole(
  browser: ConsoleBrowser,
  server: HotconfServer,
  hash = '#/',
): Promise<Page> {
  const { page } = browser;
  await page.goto(`${server.url}/ui${hash}`);
  await page.locator('main h1').first().waitFor({ timeout: 10_000 });
  return page;
}

/** Text of the element that has focus. */
export function focusedText(page: Page): Promise<string> {
  return page.evaluate('document.activeElement ? document.activeElement.textContent.trim() : ""');
}

/**
 * Waits (up to 2 s) until the page's heading, `text`, has focus. The focused element's text
 * alone is not enough: the navigation link just pressed often reads the same ("Fleet"), and
 * keeps focus until the console moves it after the next frame.
 */
export async function waitForHeadingFocus(page: Page, text: string): Promise<void> {
  const deadline = Date.now() + 2000;
  const focused = (): Promise<string> =>
    page.evaluate(
      `(el => el ? (el.matches('main h1') ? 'heading' : el.tagName) + ': ' + el.textContent.trim() : '')(document.activeElement)`,
    );
  let now = await focused();
  while (now !== `heading: ${text}`) {
    if (Date.now() > deadline) throw new Error(`focus is on ${now}, not on the heading ${text}`);
    await page.waitForTimeout(20);
    now = await focused();
  }
}

/** Presses Tab until the focused element's text is `text`; fails after `max` presses. */
export async function tabTo(page: Page, text: string | RegExp, max = 60): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const now = await focusedText(page);
    seen.push(now);
    if (typeof text === 'string' ? now === text : text.test(now)) return;
  }
  throw new Error(`Tab never reached ${String(text)}; focus went through: ${seen.join(' | ')}`);
}

/** Presses `key` (Tab or Shift+Tab) until the element with id `id` has focus. */
export async function tabToId(page: Page, id: string, key = 'Tab', max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    if ((await page.evaluate('document.activeElement ? document.activeElement.id : ""')) === id)
      return;
  }
  throw new Error(`${key} never reached #${id}`);
}

/** Asserts the page logged no error or warning and raised no dialog. */
export function expectQuiet(browser: ConsoleBrowser, allowed: RegExp[] = []): void {
  const problems = browser.problems.filter((p) => !allowed.some((a) => a.test(p)));
  expect(problems, 'console errors and page errors').to.deep.equal([]);
  expect(browser.dialogs, 'dialogs').to.deep.equal([]);
}

/** Starts a browser and closes it with the sandbox. */
export async function browserIn(
  sandbox: Sandbox,
  launch: () => Promise<ConsoleBrowser>,
): Promise<ConsoleBrowser> {
  const browser = await launch();
  sandbox.defer(() => browser.close());
  return browser;
}
