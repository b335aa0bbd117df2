import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { CONSOLE_BUILD_DIR } from '../../src/server/console/plugin.js';
import type { TestVigil } from './vigil.js';

/** Debian's chromium package (`apt-get install chromium`); nothing is downloaded. */
export const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';

/** Why the console's browser tests cannot run here, or false; in CI a missing browser is a failure. */
export function consoleSkipReason(): string | false {
  if (!existsSync(join(CONSOLE_BUILD_DIR, 'index.html'))) return `the console is not built (${CONSOLE_BUILD_DIR}): run npm run build`;
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
    return `${CHROMIUM} is missing: apt-get install chromium to run the console in a real browser`;
  }
  return false;
}

/** A headless Chromium page on a test Vigil's console, collecting CSP violations, page errors and any request that leaves the origin. */
export interface ConsoleBrowser {
  browser: Browser;
  page: Page;
  pageErrors: string[];
  cspViolations(): Promise<string[]>;
  close(): Promise<void>;
}

export async function openConsoleBrowser(vigil: TestVigil): Promise<ConsoleBrowser> {
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // The test server's certificate is self-signed and generated for this run.
    acceptInsecureCerts: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.evaluateOnNewDocument(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(vigil.endpoint) && !url.startsWith('blob:') && !url.startsWith('data:')) pageErrors.push(`request to ${url}`);
  });
  return {
    browser,
    page,
    pageErrors,
    cspViolations: () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations),
    close: () => browser.close().catch(() => void browser.process()?.kill('SIGKILL')),
  };
}

/** A puppeteer selector for an element whose text contains t. */
export const byText = (t: string) => `::-p-text(${t})`;

/** Replaces the value of the input matching selector by typing. */
export async function typeInto(page: Page, selector: string, value: string): Promise<void> {
  const input = await page.waitForSelector(selector, { visible: true });
  await input!.click({ count: 3 });
  if (value === '') await page.keyboard.press('Backspace');
  else await input!.type(value);
}

/** Clicks (as the keyboard would) the first visible element matching selector whose trimmed text is label. */
export async function clickVisible(page: Page, selector: string, label: string, timeout = 10_000): Promise<void> {
  const found = await page.waitForFunction(
    (sel, t) =>
      [...document.querySelectorAll<HTMLElement>(sel)].find(
        (e) =>
          e.textContent?.trim() === t &&
          e.getClientRects().length > 0 &&
          getComputedStyle(e).visibility !== 'hidden' &&
          !(e as HTMLButtonElement).disabled &&
          e.getAttribute('aria-disabled') !== 'true',
      ),
    { timeout },
    selector,
    label,
  );
  await (found as ElementHandle<HTMLElement>).evaluate((element) => element.click());
}

/** Signs in on the sign-in form with an access key id and secret. */
export async function signInAs(page: Page, accessKeyId: string, secret: string): Promise<void> {
  await typeInto(page, 'input[name="accessKeyId"]', accessKeyId);
  await typeInto(page, 'input[name="secretAccessKey"]', secret);
  await page.keyboard.press('Enter');
}

/** The trimmed text of the element matching selector, once it has appeared. */
export async function textOf(page: Page, selector: string): Promise<string> {
  const element = await page.waitForSelector(selector, { visible: true });
  return (await element!.evaluate((e) => e.textContent ?? '')).trim();
}

/** Where the console tests keep their screenshots (test artifacts, never in the repository). */
export const SCREENSHOT_DIR = process.env.VIGIL_CONSOLE_SCREENSHOTS ?? join(tmpdir(), 'vigil-console-screenshots');

/** Saves what the page shows as SCREENSHOT_DIR/name.png. */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) as `${string}.png` });
}

/**
 * The form controls and buttons under root (the open dialog by default, else the page) that a screen
 * reader could not name: no aria-label, no aria-labelledby with text, no <label>, no text of their own.
 * Controls in aria-hidden subtrees (Cloudscape's measuring copies) are not announced, so not checked.
 */
export async function unnamedControls(page: Page, root = '[role="dialog"]:not([aria-hidden="true"])'): Promise<string[]> {
  return page.evaluate((rootSelector) => {
    const scope = [...document.querySelectorAll(rootSelector)].find((e) => e.getClientRects().length > 0) ?? document.body;
    const text = (e: Element | null) => (e?.textContent ?? '').trim();
    const named = (e: HTMLElement) =>
      Boolean(e.getAttribute('aria-label')?.trim()) ||
      (e.getAttribute('aria-labelledby') ?? '').split(/\s+/).some((id) => text(document.getElementById(id)) !== '') ||
      [...((e as HTMLInputElement).labels ?? [])].some((l) => text(l) !== '') ||
      Boolean(e.getAttribute('title')?.trim()) ||
      (['BUTTON', 'A'].includes(e.tagName) && text(e) !== '');
    return [...scope.querySelectorAll<HTMLElement>('input:not([type="hidden"]), textarea, select, button, [role="combobox"], [role="slider"]')]
      .filter((e) => !e.closest('[aria-hidden="true"]') && !named(e))
      .map((e) => e.outerHTML.slice(0, 160));
  }, root);
}

/** The accessible names of the elements that Tab reaches, in order, from the current focus (count presses). */
export async function tabOrder(page: Page, count: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    await page.keyboard.press('Tab');
    names.push(
      await page.evaluate(() => {
        const e = document.activeElement as HTMLElement | null;
        return (e?.getAttribute('aria-label') ?? e?.textContent ?? '').trim();
      }),
    );
  }
  return names;
}
