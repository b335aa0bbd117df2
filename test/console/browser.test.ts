import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { CreateDatasetCommand, CreateProjectCommand, DescribeDatasetCommand, DescribeProjectCommand, ListDatasetEntriesCommand } from '@aws-sdk/client-lookoutvision';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { CONSOLE_BUILD_DIR } from '../../src/server/console/plugin.js';
import { cookieManifest, putCookieImages } from '../helpers/datasets.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

/** Debian's chromium package (`apt-get install chromium`); nothing is downloaded. */
const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';

function skipReason(): string | false {
  if (!existsSync(join(CONSOLE_BUILD_DIR, 'index.html'))) return `the console is not built (${CONSOLE_BUILD_DIR}): run npm run build`;
  if (!existsSync(CHROMIUM)) {
    // In CI the browser is installed (.ci/run): its absence is a failure there, not a skip.
    if (process.env.CI) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
    return `${CHROMIUM} is missing: apt-get install chromium to run the console in a real browser`;
  }
  return false;
}

describe('the console in Chromium', { skip: skipReason(), timeout: 180_000 }, () => {
  let vigil: TestVigil;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    vigil = await startTestVigil();
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // The test server's certificate is self-signed and generated for this run.
      acceptInsecureCerts: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    // Every CSP violation is collected by a listener installed outside the page's own scripts.
    await page.evaluateOnNewDocument(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('requestfailed', (request) => {
      // Only requests to this Vigil may be made at all.
      if (!request.url().startsWith(vigil.endpoint) && !request.url().startsWith('blob:') && !request.url().startsWith('data:')) pageErrors.push(`request to ${request.url()}`);
    });
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(vigil.endpoint) && !url.startsWith('blob:') && !url.startsWith('data:')) pageErrors.push(`request to ${url}`);
    });
  });
  after(async () => {
    await browser?.close().catch(() => browser.process()?.kill('SIGKILL'));
    await vigil?.stop();
  });

  const text = (t: string) => `::-p-text(${t})`;
  const type = async (selector: string, value: string) => {
    const input = await page.waitForSelector(selector, { visible: true });
    await input!.click({ count: 3 });
    await input!.type(value);
  };
  /** Clicks (as the keyboard would) the first visible element matching selector whose text is label. */
  const clickVisible = async (selector: string, label: string) => {
    const found = await page.waitForFunction(
      (sel, t) => [...document.querySelectorAll<HTMLElement>(sel)].find((e) => e.textContent?.trim() === t && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden'),
      { timeout: 10_000 },
      selector,
      label,
    );
    await (found as ElementHandle<HTMLElement>).evaluate((element) => element.click());
  };
  const signIn = async (accessKeyId: string, secret: string) => {
    await type('input[name="accessKeyId"]', accessKeyId);
    await type('input[name="secretAccessKey"]', secret);
    await page.keyboard.press('Enter');
  };

  test('a wrong secret is refused with a message', async () => {
    await page.goto(`${vigil.endpoint}/_vigil/`, { waitUntil: 'load' });
    await signIn(vigil.rootAccessKey.accessKeyId, 'not-the-secret');
    await page.waitForSelector(text('The access key ID or secret access key is not valid.'), { timeout: 20_000 });
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  });

  test('sign in, create a project, see it listed, delete it, sign out', async () => {
    const { accessKeyId, secretAccessKey } = vigil.rootAccessKey;
    await page.goto(`${vigil.endpoint}/_vigil/`, { waitUntil: 'load' });
    await signIn(accessKeyId, secretAccessKey);
    await page.waitForSelector(text('No projects'), { timeout: 30_000 });

    // Only session credentials are kept, never the long-term secret.
    const stored = await page.evaluate(() => JSON.stringify(Object.entries(sessionStorage)) + JSON.stringify(Object.entries(localStorage)));
    assert.doesNotMatch(stored, new RegExp(secretAccessKey.replace(/[+/=]/g, '\\$&')));
    assert.match(stored, /VSIA[A-Z2-7]{16}/);

    // Create.
    await (await page.waitForSelector(`button${text('Create project')}`))!.click();
    await type('input[name="projectName"]', 'console-cookies');
    await (await page.waitForSelector('[data-testid="create-project-submit"]:not([disabled])'))!.click();
    await page.waitForSelector(`a${text('console-cookies')}`, { timeout: 20_000 });
    const described = await vigil.lookoutVision().send(new DescribeProjectCommand({ ProjectName: 'console-cookies' }));
    assert.equal(described.ProjectDescription?.ProjectName, 'console-cookies');

    // Delete: the button stays disabled until "delete" is typed.
    // Cloudscape's selection radio is a visually hidden native input: clicked as the keyboard would.
    await (await page.waitForSelector('input[aria-label="console-cookies"]'))!.evaluate((radio) => (radio as HTMLInputElement).click());
    await (await page.waitForSelector(`button:not([disabled])${text('Delete')}`))!.click();
    const confirm = await page.waitForSelector('[data-testid="delete-project-submit"]');
    assert.ok(await confirm!.evaluate((b) => (b as HTMLButtonElement).disabled));
    await type('input[name="confirmDelete"]', 'delete');
    await (await page.waitForSelector('[data-testid="delete-project-submit"]:not([disabled])'))!.click();
    await page.waitForSelector(text('Project console-cookies deleted.'), { timeout: 20_000 });
    await page.waitForSelector(text('No projects'));
    await assert.rejects(vigil.lookoutVision().send(new DescribeProjectCommand({ ProjectName: 'console-cookies' })), { name: 'ResourceNotFoundException' });

    // Sign out: back to the sign-in form, nothing kept.
    // The top navigation renders its utilities twice (one copy hidden, for measuring): the visible one is clicked.
    await clickVisible('button', accessKeyId);
    await clickVisible('[role="menuitem"]', 'Sign out');
    await page.waitForSelector(text('You signed out.'));
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  });

  test('an expired session returns to the sign-in page', async () => {
    const s = vigil.services.sessionCredentials.issue(vigil.rootAccessKey.accessKeyId, 900, new Date(Date.now() - 900_000 + 3_000));
    await page.goto(`${vigil.endpoint}/_vigil/`, { waitUntil: 'load' });
    await page.evaluate((session) => sessionStorage.setItem('vigil.session', JSON.stringify(session)), {
      accessKeyId: s.accessKeyId,
      secretAccessKey: s.secretAccessKey,
      sessionToken: s.sessionToken,
      expiration: s.expiration.toISOString(),
      signedInAs: vigil.rootAccessKey.accessKeyId,
    });
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector(text('No projects'), { timeout: 20_000 });
    await page.waitForSelector(text('Your session expired. Sign in again.'), { timeout: 20_000 });
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  });

  test("a project's dataset shows its counts and its images with their labels, read through the S3 API; images are classified", async () => {
    const bucket = 'console-images';
    await vigil.services.buckets.createBucket(bucket);
    await putCookieImages(vigil.services.buckets, bucket);
    await vigil.services.buckets.putObject({ bucket, key: 'train.manifest', body: Readable.from([Buffer.from(await cookieManifest(bucket))]) });
    const lfv = vigil.lookoutVision();
    await lfv.send(new CreateProjectCommand({ ProjectName: 'cookies' }));
    await lfv.send(new CreateDatasetCommand({ ProjectName: 'cookies', DatasetType: 'train', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: bucket, Key: 'train.manifest' } } } }));
    await vigil.jobs.idle();

    await page.goto(`${vigil.endpoint}/_vigil/#/projects/cookies/dataset`, { waitUntil: 'load' });
    await signIn(vigil.rootAccessKey.accessKeyId, vigil.rootAccessKey.secretAccessKey);
    await page.waitForSelector(text('63 images: 63 labelled, 31 normal, 32 anomaly'), { timeout: 30_000 });
    await page.waitForSelector(text('CREATE_COMPLETE'));
    // A page of 20 images, each decoded by the browser from what GetObject returned.
    await page.waitForFunction(
      () =>
        document.querySelectorAll('img.vigil-thumbnail').length === 20 &&
        [...document.querySelectorAll('img.vigil-thumbnail')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth === 288),
      { timeout: 30_000 },
    );
    await page.waitForSelector(text('Anomaly (mask)'));

    // Label: two images of the first page classified as normal, saved with UpdateDatasetEntries.
    // Each card's checkbox is labelled "Images Select <file name>" (the group's label, then the item's).
    const names = await page.$$eval('input[type="checkbox"][aria-label^="Images Select "]', (boxes) => boxes.slice(0, 2).map((b) => b.getAttribute('aria-label')!.slice('Images Select '.length)));
    assert.equal(names.length, 2);
    for (const name of names) await (await page.waitForSelector(`input[aria-label="Images Select ${name}"]`))!.evaluate((box) => (box as HTMLInputElement).click());
    await page.waitForSelector(text('(2 selected)'));
    await clickVisible('button', 'Classify as normal');
    await page.waitForSelector(text('2 images classified as normal.'), { timeout: 30_000 });
    const labels = new Map<string, string>();
    for (const line of (await lfv.send(new ListDatasetEntriesCommand({ ProjectName: 'cookies', DatasetType: 'train', MaxResults: 100 }))).DatasetEntries ?? []) {
      const json = JSON.parse(line) as Record<string, { 'class-name'?: string }> & { 'source-ref': string };
      labels.set(json['source-ref'].split('/').pop()!, json['anomaly-label-metadata']['class-name']!);
    }
    for (const name of names) assert.equal(labels.get(name), 'normal', name);
    const stats = (await lfv.send(new DescribeDatasetCommand({ ProjectName: 'cookies', DatasetType: 'train' }))).DatasetDescription!.ImageStats!;
    await page.waitForSelector(text(`63 images: 63 labelled, ${stats.Normal} normal, ${stats.Anomaly} anomaly`), { timeout: 20_000 });
    await (await page.waitForSelector('button[aria-label="Next page"]:not([disabled])'))!.click();
    await page.waitForFunction(
      () => document.querySelectorAll('img.vigil-thumbnail').length === 20 && [...document.querySelectorAll('img.vigil-thumbnail')].every((i) => (i as HTMLImageElement).naturalWidth === 288),
      { timeout: 30_000 },
    );

    await page.goto(`${vigil.endpoint}/_vigil/#/projects/cookies/models`, { waitUntil: 'load' });
    await page.waitForSelector(text('No models yet'), { timeout: 20_000 });
    lfv.destroy();
  });

  test('nothing broke the Content-Security-Policy, threw, or left the origin', async () => {
    assert.deepEqual(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations), []);
    assert.deepEqual(pageErrors, []);
  });
});
