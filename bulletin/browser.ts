// Headless Chromium from the system (Debian's /usr/bin/chromium) driven by playwright-core: prints a
// bulletin to an A4 PDF and takes page pictures. Local only (the CLI, tests and the README picture); the
// bulletin function writes HTML. Never downloads a browser.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.RANKWATCH_CHROMIUM ?? '/usr/bin/chromium';

export class BrowserMissingError extends Error {
  constructor(path: string) {
    super(
      `no Chromium at ${path}: install it (Debian: apt-get install -y chromium fonts-noto-cjk) or set RANKWATCH_CHROMIUM`,
    );
    this.name = 'BrowserMissingError';
  }
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh headless Chromium with its own profile directory (removed on close). */
export async function launchBrowser(options: { scale?: number } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new BrowserMissingError(CHROMIUM_PATH);
  const profile = mkdtempSync(join(tmpdir(), 'rankwatch-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Offline and quiet: no sandbox (containers), no GPU, no background traffic or updates.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 800, height: 1100 },
    deviceScaleFactor: options.scale ?? 1,
    offline: true,
    timeout: 60_000,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Prints the HTML to an A4 PDF (backgrounds on, the page's own @page margins). */
export async function htmlToPdf(browser: Browser, html: string): Promise<Buffer> {
  const page = await browser.context.newPage();
  try {
    await page.setContent(html, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    return await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  } finally {
    await page.close();
  }
}

/** A PNG of the page's first `height` CSS pixels (or the whole page), at the browser's device scale. */
export async function htmlToPng(
  browser: Browser,
  html: string,
  options: { width?: number; height?: number } = {},
): Promise<Buffer> {
  const page = await browser.context.newPage();
  try {
    await page.setViewportSize({ width: options.width ?? 800, height: options.height ?? 1100 });
    await page.setContent(html, { waitUntil: 'load' });
    return await page.screenshot({ fullPage: options.height === undefined, type: 'png' });
  } finally {
    await page.close();
  }
}
