import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium; nothing here downloads a browser (`.ci/chromium.sh` installs it). */
export const CHROMIUM = process.env.HOTCONF_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots go when `HOTCONF_SCREENSHOTS=1` (CI leaves the tree clean). */
const IMAGES = fileURLToPath(new URL('../../../docs/images/', import.meta.url));

/** One response the page fetched: URL, status, and its body (not for the event stream). */
export interface Seen {
  url: string;
  status: number;
  body: string;
}

/**
 * A headless Chromium with a fresh profile, one page, and a record of what happened on it:
 * console errors, page errors, dialogs, and every response with its body.
 */
export class ConsoleBrowser {
  readonly problems: string[] = [];
  readonly dialogs: string[] = [];
  readonly responses: Seen[] = [];
  private readonly pending = new Set<Promise<void>>();

  private constructor(
    private readonly context: BrowserContext,
    readonly page: Page,
    private readonly profile: string,
  ) {
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning')
        this.problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => this.problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      this.dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('response', (r) => {
      // The event stream never ends; what it carries is checked by event-stream.test.ts.
      if (new URL(r.url()).pathname === '/v1/events') return;
      const read = r
        .text()
        .then(
          (body) => void this.responses.push({ url: r.url(), status: r.status(), body }),
          () => void this.responses.push({ url: r.url(), status: r.status(), body: '' }),
        )
        .finally(() => this.pending.delete(read));
      this.pending.add(read);
    });
  }

  /** Launches Chromium headless with a throw-away profile; `headers` go with every request. */
  static async launch(width = 1280, headers?: Record<string, string>): Promise<ConsoleBrowser> {
    const profile = await mkdtemp(path.join(os.tmpdir(), 'hotconf-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width, height: 900 },
      // Stands for a proxy (or the browser's own credentials) adding Authorization.
      ...(headers ? { extraHTTPHeaders: headers } : {}),
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-gpu',
        '--headless',
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return new ConsoleBrowser(context, page, profile);
  }

  /** Every response body read so far (waits for those still arriving). */
  async bodies(): Promise<Seen[]> {
    await Promise.all([...this.pending]);
    return this.responses;
  }

  /** Saves the page at 1280 and 390 px as `docs/images/console-{name}-{width}.png`, when asked to. */
  async screenshot(name: string): Promise<void> {
    if (process.env.HOTCONF_SCREENSHOTS !== '1') return;
    await mkdir(IMAGES, { recursive: true });
    const before = this.page.viewportSize() ?? { width: 1280, height: 900 };
    for (const width of [1280, 390]) {
      await this.page.setViewportSize({ width, height: 900 });
      await this.page.waitForTimeout(100);
      await this.page.screenshot({
        path: path.join(IMAGES, `console-${name}-${width}.png`),
        fullPage: true,
      });
    }
    await this.page.setViewportSize(before);
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
    await rm(this.profile, { recursive: true, force: true });
  }
}
