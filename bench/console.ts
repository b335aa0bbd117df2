/*
 * The console's weight and first load: the bytes of the built JavaScript and CSS (as stored and gzipped, as
 * Vigil sends them to a browser that accepts gzip), then the time Debian's Chromium takes to show the sign-in
 * form from a cold cache (a fresh browser context each time), median of several loads, over a real Vigil on
 * loopback. Not a test: it prints figures and never fails on them.
 * Run: npm run build && node dist/bench/console.js
 */

import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import puppeteer from 'puppeteer-core';
import { CONSOLE_BUILD_DIR } from '../src/server/console/plugin.js';
import { CHROMIUM, consoleSkipReason } from '../test/helpers/consoleBrowser.js';
import { startTestVigil } from '../test/helpers/vigil.js';

const LOADS = 9;

const skip = consoleSkipReason();
if (skip) {
  console.log(`console bench skipped: ${skip}`);
  process.exit(0);
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// Bundle size, per kind of file.
const totals = new Map<string, { files: number; bytes: number; gzip: number }>();
const walk = async (dir: string): Promise<void> => {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path);
    else {
      const body = await readFile(path);
      const kind = extname(entry.name).slice(1) || 'other';
      const total = totals.get(kind) ?? { files: 0, bytes: 0, gzip: 0 };
      total.files++;
      total.bytes += body.length;
      total.gzip += gzipSync(body, { level: 9 }).length;
      totals.set(kind, total);
    }
  }
};
await walk(CONSOLE_BUILD_DIR);
console.log(`Console bundle (${CONSOLE_BUILD_DIR}):`);
for (const [kind, t] of [...totals].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`  ${kind.padEnd(5)} ${String(t.files).padStart(3)} file(s)  ${kib(t.bytes).padStart(11)}  gzip ${kib(t.gzip).padStart(10)}`);
}

// First load: navigation to the sign-in form shown, each time in a new context (empty cache and storage).
const vigil = await startTestVigil();
const browser = await puppeteer.launch({
  executablePath: CHROMIUM,
  headless: true,
  acceptInsecureCerts: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
});
try {
  const shown: number[] = [];
  const domContentLoaded: number[] = [];
  const transferred: number[] = [];
  // One load first, not counted: the browser's own start-up (its first process, its first TLS session).
  for (let i = 0; i <= LOADS; i++) {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const started = performance.now();
    await page.goto(`${vigil.endpoint}/_vigil/`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('input[name="accessKeyId"]', { visible: true });
    const elapsed = performance.now() - started;
    const timing = await page.evaluate(() => {
      const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
      return { domContentLoaded: navigation.domContentLoadedEventEnd, bytes: navigation.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0) };
    });
    await context.close();
    if (i === 0) continue;
    shown.push(elapsed);
    domContentLoaded.push(timing.domContentLoaded);
    transferred.push(timing.bytes);
  }
  console.log(`First load in Chromium (${CHROMIUM}, cold cache, median of ${LOADS}):`);
  console.log(`  sign-in form shown      ${median(shown).toFixed(0)} ms (min ${Math.min(...shown).toFixed(0)}, max ${Math.max(...shown).toFixed(0)})`);
  console.log(`  DOMContentLoaded        ${median(domContentLoaded).toFixed(0)} ms`);
  console.log(`  bytes over the wire     ${kib(median(transferred))}`);
} finally {
  await browser.close();
  await vigil.stop();
}
