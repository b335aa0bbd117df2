import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { CreateDatasetCommand, CreateProjectCommand, DescribeDatasetCommand, DescribeProjectCommand, ListDatasetEntriesCommand } from '@aws-sdk/client-lookoutvision';
import { GetBucketEncryptionCommand, GetObjectCommand, GetPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import type { ElementHandle, Page } from 'puppeteer-core';
import sharp from 'sharp';
import { byText, type ConsoleBrowser, clickVisible, consoleSkipReason, openConsoleBrowser, saveScreenshot, signInAs, tabOrder, textOf, typeInto, unnamedControls } from '../helpers/consoleBrowser.js';
import { COOKIES, cookieManifest, putCookieImages } from '../helpers/datasets.js';
import { s3Client } from '../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';
import { filesHolding, imageWindows } from '../reliability/plaintextScan.js';

describe('the console in Chromium', { skip: consoleSkipReason(), timeout: 180_000 }, () => {
  let vigil: TestVigil;
  let b: ConsoleBrowser;
  let page: Page;

  before(async () => {
    vigil = await startTestVigil();
    b = await openConsoleBrowser(vigil);
    page = b.page;
  });
  after(async () => {
    await b?.close();
    await vigil?.stop();
  });

  /** Waits until the gallery shows exactly these images (by file name), each decoded by the browser. */
  const waitForGallery = async (names: string[]) => {
    await page.waitForFunction(
      (want) => {
        const shown = [...document.querySelectorAll('input[type="checkbox"][aria-label^="Images Select "]')].map((b) => b.getAttribute('aria-label')!.slice('Images Select '.length)).sort();
        const images = [...document.querySelectorAll('img.vigil-thumbnail')];
        return JSON.stringify(shown) === JSON.stringify(want) && images.length === want.length && images.every((i) => (i as HTMLImageElement).naturalWidth > 0);
      },
      { timeout: 30_000 },
      [...names].sort(),
    );
  };
  /** How many pixels of the mask layer are painted. */
  const paintedPixels = () =>
    page.$eval('[data-testid="mask-canvas"]', (canvas) => {
      const c = canvas as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
      return n;
    });
  /** A pointer stroke across the mask layer, from one fraction of its box to another. */
  const strokeOnMask = async (from: [number, number], to: [number, number]) => {
    const canvas = (await page.$('[data-testid="mask-canvas"]'))!;
    await canvas.evaluate((c) => c.scrollIntoView({ block: 'center' }));
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width * from[0], box.y + box.height * from[1]);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * to[0], box.y + box.height * to[1], { steps: 8 });
    await page.mouse.up();
  };
  /** Chooses a Cloudscape tile or radio button by its label (the nth one with that label). */
  const choose = async (label: string, nth = 0) => {
    await page.waitForSelector(byText(label));
    const all = await page.$$(byText(label));
    await all[nth]!.evaluate((e) => (e as HTMLElement).click());
  };
  /** The entries of a dataset, read with the SDK. */
  const entriesOf = async (projectName: string, datasetType: string) => {
    const lfv = vigil.lookoutVision();
    const lines = (await lfv.send(new ListDatasetEntriesCommand({ ProjectName: projectName, DatasetType: datasetType, MaxResults: 100 }))).DatasetEntries ?? [];
    lfv.destroy();
    return lines.map((line) => JSON.parse(line) as Record<string, unknown> & { 'source-ref': string; 'anomaly-label-metadata'?: { 'class-name': string } });
  };

  test('the page comes with its strict CSP and no inline script; a wrong secret is refused with a message', async () => {
    const response = (await page.goto(`${vigil.endpoint}/_vigil/`, { waitUntil: 'load' }))!;
    const csp = response.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    assert.deepEqual(await page.$$eval('script', (scripts) => scripts.filter((s) => !(s as HTMLScriptElement).src).length), 0);
    await page.waitForSelector('input[name="accessKeyId"]');
    assert.deepEqual(await unnamedControls(page), []);
    await signInAs(page, vigil.rootAccessKey.accessKeyId, 'not-the-secret');
    await page.waitForSelector(byText('The access key ID or secret access key is not valid.'), { timeout: 20_000 });
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await saveScreenshot(page, 'sign-in');
  });

  test('sign in, create a project, see it listed, delete it, sign out', async () => {
    const { accessKeyId, secretAccessKey } = vigil.rootAccessKey;
    await page.goto(`${vigil.endpoint}/_vigil/`, { waitUntil: 'load' });
    await signInAs(page, accessKeyId, secretAccessKey);

    // First sign-in: the console offers to create its bucket, through the S3 API, encrypted and never public.
    await page.waitForSelector(byText('First time set up'), { timeout: 30_000 });
    const bucketName = await textOf(page, '[data-testid="console-bucket-name"]');
    assert.match(bucketName, /^lookoutvision-us-east-1-[a-z0-9]{10}$/);
    await (await page.waitForSelector('[data-testid="create-console-bucket"]'))!.click();
    await page.waitForSelector(byText(`Console bucket ${bucketName} created.`), { timeout: 20_000 });
    const s3 = s3Client(vigil);
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucketName }));
    assert.equal(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm, 'aws:kms');
    assert.deepEqual((await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucketName }))).PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    s3.destroy();
    await page.waitForSelector(byText('No projects'), { timeout: 30_000 });

    // Only session credentials are kept, never the long-term secret.
    const stored = await page.evaluate(() => JSON.stringify(Object.entries(sessionStorage)) + JSON.stringify(Object.entries(localStorage)));
    assert.doesNotMatch(stored, new RegExp(secretAccessKey.replace(/[+/=]/g, '\\$&')));
    assert.match(stored, /VSIA[A-Z2-7]{16}/);

    // Create.
    await (await page.waitForSelector(`button${byText('Create project')}`))!.click();
    await typeInto(page, 'input[name="projectName"]', 'console-cookies');
    assert.deepEqual(await unnamedControls(page), []);
    await (await page.waitForSelector('[data-testid="create-project-submit"]:not([disabled])'))!.click();
    await page.waitForSelector(`a${byText('console-cookies')}`, { timeout: 20_000 });
    await saveScreenshot(page, 'projects');
    const described = await vigil.lookoutVision().send(new DescribeProjectCommand({ ProjectName: 'console-cookies' }));
    assert.equal(described.ProjectDescription?.ProjectName, 'console-cookies');

    // Delete: the button stays disabled until "delete" is typed.
    // Cloudscape's selection radio is a visually hidden native input: clicked as the keyboard would.
    await (await page.waitForSelector('input[aria-label="console-cookies"]'))!.evaluate((radio) => (radio as HTMLInputElement).click());
    await (await page.waitForSelector(`button:not([disabled])${byText('Delete')}`))!.click();
    const confirm = await page.waitForSelector('[data-testid="delete-project-submit"]');
    assert.ok(await confirm!.evaluate((b) => (b as HTMLButtonElement).disabled));
    await typeInto(page, 'input[name="confirmDelete"]', 'delete');
    await (await page.waitForSelector('[data-testid="delete-project-submit"]:not([disabled])'))!.click();
    await page.waitForSelector(byText('Project console-cookies deleted.'), { timeout: 20_000 });
    await page.waitForSelector(byText('No projects'));
    await assert.rejects(vigil.lookoutVision().send(new DescribeProjectCommand({ ProjectName: 'console-cookies' })), { name: 'ResourceNotFoundException' });

    // Sign out: back to the sign-in form, nothing kept.
    // The top navigation renders its utilities twice (one copy hidden, for measuring): the visible one is clicked.
    await clickVisible(page, 'button', accessKeyId);
    await clickVisible(page, '[role="menuitem"]', 'Sign out');
    await page.waitForSelector(byText('You signed out.'));
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
    await page.waitForSelector(byText('No projects'), { timeout: 20_000 });
    await page.waitForSelector(byText('Your session expired. Sign in again.'), { timeout: 20_000 });
    await page.waitForSelector('input[name="secretAccessKey"]', { visible: true });
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
    await signInAs(page, vigil.rootAccessKey.accessKeyId, vigil.rootAccessKey.secretAccessKey);
    await page.waitForSelector(byText('63 images: 63 labelled, 31 normal, 32 anomaly'), { timeout: 30_000 });
    await page.waitForSelector(byText('CREATE_COMPLETE'));
    // A page of 20 images, each decoded by the browser from what GetObject returned.
    await page.waitForFunction(
      () =>
        document.querySelectorAll('img.vigil-thumbnail').length === 20 &&
        [...document.querySelectorAll('img.vigil-thumbnail')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth === 288),
      { timeout: 30_000 },
    );
    await page.waitForSelector(byText('Anomaly (mask)'));

    // Label: two images of the first page classified as normal, saved with UpdateDatasetEntries.
    // Each card's checkbox is labelled "Images Select <file name>" (the group's label, then the item's).
    const names = await page.$$eval('input[type="checkbox"][aria-label^="Images Select "]', (boxes) => boxes.slice(0, 2).map((b) => b.getAttribute('aria-label')!.slice('Images Select '.length)));
    assert.equal(names.length, 2);
    for (const name of names) await (await page.waitForSelector(`input[aria-label="Images Select ${name}"]`))!.evaluate((box) => (box as HTMLInputElement).click());
    await page.waitForSelector(byText('(2 selected)'));
    await clickVisible(page, 'button', 'Classify as normal');
    // Classifying marks the images; Save changes sends the marks in one UpdateDatasetEntries.
    await page.waitForSelector(byText('2 unsaved labels'));
    await clickVisible(page, 'button', 'Save changes');
    await page.waitForSelector(byText('2 labels saved.'), { timeout: 30_000 });
    const labels = new Map<string, string>();
    for (const line of (await lfv.send(new ListDatasetEntriesCommand({ ProjectName: 'cookies', DatasetType: 'train', MaxResults: 100 }))).DatasetEntries ?? []) {
      const json = JSON.parse(line) as Record<string, { 'class-name'?: string }> & { 'source-ref': string };
      labels.set(json['source-ref'].split('/').pop()!, json['anomaly-label-metadata']['class-name']!);
    }
    for (const name of names) assert.equal(labels.get(name), 'normal', name);
    const stats = (await lfv.send(new DescribeDatasetCommand({ ProjectName: 'cookies', DatasetType: 'train' }))).DatasetDescription!.ImageStats!;
    await page.waitForSelector(byText(`63 images: 63 labelled, ${stats.Normal} normal, ${stats.Anomaly} anomaly`), { timeout: 20_000 });
    await (await page.waitForSelector('button[aria-label="Next page"]:not([disabled])'))!.click();
    await page.waitForFunction(
      () => document.querySelectorAll('img.vigil-thumbnail').length === 20 && [...document.querySelectorAll('img.vigil-thumbnail')].every((i) => (i as HTMLImageElement).naturalWidth === 288),
      { timeout: 30_000 },
    );
    assert.deepEqual(await unnamedControls(page), []);
    await saveScreenshot(page, 'dataset-gallery');

    // Filters: the Anomaly filter lists the dataset's anomalies (ListDatasetEntries AnomalyClass), page by page.
    await clickVisible(page, 'button', 'Anomaly');
    const labelled = async (label: string) => (await entriesOf('cookies', 'train')).filter((e) => e['anomaly-label-metadata']?.['class-name'] === label).map((e) => e['source-ref'].split('/').pop()!);
    await waitForGallery((await labelled('anomaly')).slice(0, 20));

    // Paint a mask on a normal image with a new anomaly label; it becomes an anomaly with that mask.
    await clickVisible(page, 'button', 'Normal');
    const normals = (await labelled('normal')).slice(0, 20);
    await waitForGallery(normals);
    // A cookie that was normal from the start (the two relabelled above carry their crack masks).
    const painted = normals.find((name) => name.startsWith('normal-'))!;
    await (await page.waitForSelector(`input[aria-label="Images Select ${painted}"]`))!.evaluate((box) => (box as HTMLInputElement).click());
    await clickVisible(page, 'button', 'Paint mask');
    await page.waitForSelector(byText(`Paint the anomaly mask of ${painted}`));
    // Ready once the image and its saved mask (here the all-background one of a normal cookie) are loaded.
    await page.waitForSelector('[data-testid="mask-canvas"][data-ready="true"]', { visible: true, timeout: 20_000 });
    assert.deepEqual(await unnamedControls(page), []);
    await typeInto(page, 'input[name="anomalyLabelName"]', 'bad name!');
    await page.waitForSelector(byText('Letters and digits only.'));
    await typeInto(page, 'input[name="anomalyLabelName"]', 'scratch');
    const colour = await page.$eval('input[type="color"]', (i) => (i as HTMLInputElement).value);
    await clickVisible(page, 'button', 'Add label');
    // An empty mask is refused.
    await (await page.waitForSelector('[data-testid="save-mask"]'))!.click();
    await page.waitForSelector(byText('Paint the anomaly before saving: the mask is empty.'));
    // A stroke, undone; another, partly erased; the tools, Undo and the zoom worked from the keyboard.
    await strokeOnMask([0.2, 0.3], [0.7, 0.3]);
    assert.ok((await paintedPixels()) > 500);
    // Tab reaches the tool, the brush size, the zoom and Undo; Enter on Undo undoes the stroke.
    await (await page.waitForSelector('input[name="anomalyLabelName"]'))!.focus();
    const reached = await tabOrder(page, 12);
    for (const name of ['Brush', 'Brush size', '100 %', 'Undo']) assert.ok(reached.includes(name), `${name} is not reached by Tab: ${reached.join(', ')}`);
    await (await page.waitForSelector('input[name="anomalyLabelName"]'))!.focus();
    await tabOrder(page, reached.indexOf('Undo') + 1);
    await page.keyboard.press('Enter');
    assert.equal(await paintedPixels(), 0);
    await strokeOnMask([0.2, 0.5], [0.8, 0.5]);
    const full = await paintedPixels();
    // E chooses the eraser, Ctrl+Z undoes, + and - zoom.
    const pressed = (label: string) =>
      page.waitForFunction((t) => [...document.querySelectorAll('[role="dialog"] button[aria-pressed="true"]')].some((e) => e.textContent?.trim() === t), { timeout: 5_000 }, label);
    const shownWidth = () => page.$eval('[data-testid="mask-canvas"]', (c) => Math.round(c.getBoundingClientRect().width));
    await page.keyboard.press('e');
    await pressed('Eraser');
    await strokeOnMask([0.1, 0.5], [0.4, 0.5]);
    const erased = await paintedPixels();
    assert.ok(erased > 200 && erased < full, `${erased} of ${full}`);
    await page.keyboard.down('Control');
    await page.keyboard.press('z');
    await page.keyboard.up('Control');
    assert.equal(await paintedPixels(), full);
    const width = await shownWidth();
    await page.keyboard.press('+');
    await pressed('200 %');
    assert.equal(await shownWidth(), width * 2);
    await page.keyboard.press('-');
    await page.keyboard.press('-');
    await pressed('50 %');
    assert.equal(await shownWidth(), width / 2);
    await page.keyboard.press('+');
    await pressed('100 %');
    await strokeOnMask([0.1, 0.5], [0.4, 0.5]);
    assert.equal(await paintedPixels(), erased);
    await saveScreenshot(page, 'annotation-tool');
    await (await page.waitForSelector('[data-testid="save-mask"]'))!.click();
    await page.waitForSelector(byText(`The mask of ${painted} was saved.`), { timeout: 30_000 });
    const line = (await entriesOf('cookies', 'train')).find((e) => e['source-ref'].endsWith(`/${painted}`))!;
    assert.equal(line['anomaly-label-metadata']?.['class-name'], 'anomaly');
    const maskRef = line['anomaly-mask-ref'] as string;
    assert.match(maskRef, /^s3:\/\/console-images\/masks\/cookies\/train\/.+\.png$/);
    const maskMeta = line['anomaly-mask-ref-metadata'] as { 'internal-color-map': Record<string, { 'class-name': string; 'hex-color': string }>; type: string };
    assert.equal(maskMeta.type, 'groundtruth/semantic-segmentation');
    assert.deepEqual(
      Object.entries(maskMeta['internal-color-map']).map(([k, v]) => [k, v['class-name'], v['hex-color']]),
      [
        ['0', 'BACKGROUND', '#ffffff'],
        ['1', 'scratch', colour],
      ],
    );
    // The PNG in the bucket: the image's size, only the class colour and the white background.
    const s3 = s3Client(vigil);
    const png = await (await s3.send(new GetObjectCommand({ Bucket: 'console-images', Key: maskRef.slice('s3://console-images/'.length) }))).Body!.transformToByteArray();
    s3.destroy();
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [288, 384]);
    const want = [1, 3, 5].map((i) => Number.parseInt(colour.slice(i, i + 2), 16));
    let classPixels = 0;
    for (let i = 0; i < data.length; i += 3) {
      const pixel = [data[i], data[i + 1], data[i + 2]];
      if (pixel.every((v, c) => v === want[c])) classPixels++;
      else assert.deepEqual(pixel, [255, 255, 255]);
    }
    // About what was left painted on the layer (its soft edges are rounded to one side or the other).
    assert.ok(Math.abs(classPixels - erased) < erased * 0.2, `${classPixels} mask pixels for ${erased} painted`);

    // Anomaly labels: each with the images whose masks use it; scratch renamed in every colour map, a taken name refused.
    type ColourMap = Record<string, { 'class-name': string; 'hex-color': string }>;
    const colourMaps = async () =>
      (await entriesOf('cookies', 'train')).map(
        (e) => [e['source-ref'] as string, (e['anomaly-mask-ref-metadata'] as { 'internal-color-map'?: ColourMap } | undefined)?.['internal-color-map'] ?? {}] as const,
      );
    const using = (maps: Awaited<ReturnType<typeof colourMaps>>, name: string) => maps.filter(([, m]) => Object.values(m).some((c) => c['class-name'] === name)).length;
    const beforeRename = await colourMaps();
    await clickVisible(page, 'button', 'Anomaly labels');
    await page.waitForFunction(() => document.querySelector('[data-testid="label-images-scratch"]')?.textContent === '1', { timeout: 20_000 });
    assert.deepEqual(await unnamedControls(page), []);
    assert.equal(await page.$eval('[data-testid="label-images-cracked"]', (e) => e.textContent), String(using(beforeRename, 'cracked')));
    await (await page.waitForSelector('input[aria-label="Label scratch"]'))!.evaluate((radio) => (radio as HTMLInputElement).click());
    await typeInto(page, 'input[name="renameLabel"]', 'Cracked');
    await page.waitForSelector(byText('That label exists already.'));
    await typeInto(page, 'input[name="renameLabel"]', 'chip');
    await clickVisible(page, 'button', 'Rename');
    await page.waitForSelector(byText('scratch was renamed to chip in 1 image.'), { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="label-images-chip"]')?.textContent === '1', { timeout: 20_000 });
    const afterRename = await colourMaps();
    const renamed = afterRename.find(([ref]) => ref.endsWith(`/${painted}`))![1];
    assert.deepEqual(
      Object.entries(renamed).map(([k, v]) => [k, v['class-name'], v['hex-color']]),
      [
        ['0', 'BACKGROUND', '#ffffff'],
        ['1', 'chip', colour],
      ],
    );
    // Every other line as it was.
    assert.deepEqual(
      afterRename.filter(([ref]) => !ref.endsWith(`/${painted}`)),
      beforeRename.filter(([ref]) => !ref.endsWith(`/${painted}`)),
    );
    await clickVisible(page, 'button', 'Close');

    await page.goto(`${vigil.endpoint}/_vigil/#/projects/cookies/models`, { waitUntil: 'load' });
    await page.waitForSelector(byText('No models yet'), { timeout: 20_000 });
    lfv.destroy();
  });

  test('datasets from uploads (file picker and drag and drop), an S3 prefix labelled by its folders and a manifest; refused files and bad sources are reported', async () => {
    const { buckets } = vigil.services;
    const consoleBucket = (await buckets.listBuckets()).map((b) => b.name).find((name) => name.startsWith('lookoutvision-us-east-1-'))!;
    const put = async (bucket: string, key: string, file: string) => buckets.putObject({ bucket, key, body: Readable.from([await readFile(join(COOKIES, 'training-images', file))]) });
    // The S3 prefix: two images in each label folder, one deeper and one beside the folders (both left out).
    await buckets.createBucket('cookie-import');
    for (const [key, file] of [
      ['cookies/normal/n1.jpg', 'normal-1.jpg'],
      ['cookies/normal/n2.jpg', 'normal-2.jpg'],
      ['cookies/anomaly/a1.jpg', 'anomaly-1.jpg'],
      ['cookies/anomaly/a2.jpg', 'anomaly-2.jpg'],
      ['cookies/anomaly/deeper/a3.jpg', 'anomaly-3.jpg'],
      ['cookies/beside.jpg', 'normal-3.jpg'],
    ]) {
      await put('cookie-import', key, file);
    }
    // A manifest of two more normal images, in the bucket the uploads go to (a dataset's images share one bucket).
    const extra: string[] = [];
    for (const file of ['normal-20.jpg', 'normal-21.jpg']) {
      await put(consoleBucket, `extra/${file}`, file);
      extra.push(
        JSON.stringify({
          'source-ref': `s3://${consoleBucket}/extra/${file}`,
          'anomaly-label': 0,
          'anomaly-label-metadata': { 'class-name': 'normal', type: 'groundtruth/image-classification', 'human-annotated': 'yes' },
        }),
      );
    }
    await buckets.putObject({ bucket: consoleBucket, key: 'extra.manifest', body: Readable.from([Buffer.from(extra.join('\n'))]) });
    const lfv = vigil.lookoutVision();
    await lfv.send(new CreateProjectCommand({ ProjectName: 'uploads' }));
    lfv.destroy();
    const files = await mkdtemp(join(tmpdir(), 'vigil-console-files-'));
    try {
      await writeFile(join(files, 'notes.txt'), 'not an image');
      const uploads = ['normal-4.jpg', 'normal-5.jpg', 'normal-6.jpg', 'anomaly-4.jpg', 'anomaly-5.jpg', 'anomaly-6.jpg'].map((f) => join(COOKIES, 'training-images', f));

      // Create: separate training and test datasets; training from the file picker, test from the S3 prefix.
      await page.goto(`${vigil.endpoint}/_vigil/#/projects/uploads/dataset`, { waitUntil: 'load' });
      await clickVisible(page, 'button', 'Create dataset');
      await choose('Create a training dataset and a test dataset');
      await page.waitForSelector(byText('Image source (test dataset)'));
      const [picker] = await page.$$('input[type="file"]');
      await (picker as ElementHandle<HTMLInputElement>).uploadFile(...uploads, join(files, 'notes.txt'));
      await page.waitForSelector(byText('7 files chosen'));
      await choose('Import images from an S3 bucket', 1);
      await typeInto(page, 'input[name="test dataset-s3-uri"]', 's3://cookie-import/cookies/');
      await (await page.waitForSelector('[data-testid="create-dataset-submit"]'))!.click();
      await page.waitForSelector(byText('notes.txt is not a PNG or JPEG image.'), { timeout: 30_000 });
      await page.waitForSelector(byText('7 of 7 files'));
      assert.deepEqual(await unnamedControls(page), []);
      await saveScreenshot(page, 'upload-errors');
      await page.waitForSelector(byText('Done: 4 images in the dataset'), { timeout: 30_000 });
      await clickVisible(page, 'button', 'Close');
      await page.waitForSelector(byText('6 images: 0 labelled, 0 normal, 0 anomaly'), { timeout: 20_000 });
      await page.waitForSelector(byText('4 images: 4 labelled, 2 normal, 2 anomaly'));
      const train = await entriesOf('uploads', 'train');
      assert.equal(train.length, 6);
      for (const entry of train) {
        assert.match(entry['source-ref'], new RegExp(`^s3://${consoleBucket}/datasets/uploads/train/images/\\d{8}T\\d{9}Z/(normal|anomaly)-[4-6]\\.jpg$`));
        assert.equal(entry['anomaly-label-metadata'], undefined);
      }
      const test = Object.fromEntries((await entriesOf('uploads', 'test')).map((e) => [e['source-ref'], e['anomaly-label-metadata']?.['class-name']]));
      assert.deepEqual(test, {
        's3://cookie-import/cookies/normal/n1.jpg': 'normal',
        's3://cookie-import/cookies/normal/n2.jpg': 'normal',
        's3://cookie-import/cookies/anomaly/a1.jpg': 'anomaly',
        's3://cookie-import/cookies/anomaly/a2.jpg': 'anomaly',
      });

      // Add images from a manifest: a malformed URI is refused before anything is sent.
      await clickVisible(page, 'button', 'Add images');
      await clickVisible(page, '[role="menuitem"]', 'Add images to the training dataset');
      await choose('Import a manifest file');
      assert.deepEqual(await unnamedControls(page), []);
      await typeInto(page, 'input[name="training dataset-manifest-uri"]', 'not-a-uri');
      await (await page.waitForSelector('[data-testid="add-images-submit"]'))!.click();
      await page.waitForSelector(byText('Enter an S3 URI of the form s3://bucket/prefix/.'));
      await typeInto(page, 'input[name="training dataset-manifest-uri"]', `s3://${consoleBucket}/extra.manifest`);
      await (await page.waitForSelector('[data-testid="add-images-submit"]'))!.click();
      await page.waitForSelector(byText('Images added to the training dataset.'), { timeout: 30_000 });
      await page.waitForSelector(byText('8 images: 2 labelled, 2 normal, 0 anomaly'), { timeout: 20_000 });

      // Add images: a prefix without label folders is reported and changes nothing; then two images dropped on the zone.
      await clickVisible(page, 'button', 'Add images');
      await clickVisible(page, '[role="menuitem"]', 'Add images to the training dataset');
      await choose('Import images from an S3 bucket');
      await typeInto(page, 'input[name="training dataset-s3-uri"]', 's3://cookie-import/empty/');
      await (await page.waitForSelector('[data-testid="add-images-submit"]'))!.click();
      await page.waitForSelector(byText('No PNG or JPEG images in normal/ or anomaly/ under s3://cookie-import/empty/.'), { timeout: 20_000 });
      assert.equal((await entriesOf('uploads', 'train')).length, 8);
      await choose('Upload images from your computer');
      const dropped = await Promise.all(['normal-7.jpg', 'anomaly-7.jpg'].map(async (f) => ({ name: f, base64: (await readFile(join(COOKIES, 'training-images', f))).toString('base64') })));
      await (await page.waitForSelector('[data-testid="image-dropzone"] > *'))!.evaluate((zone, list) => {
        const transfer = new DataTransfer();
        for (const { name, base64 } of list) transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type: 'image/jpeg' }));
        zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      }, dropped);
      await page.waitForSelector(byText('2 files chosen: normal-7.jpg, anomaly-7.jpg'));
      await (await page.waitForSelector('[data-testid="add-images-submit"]'))!.click();
      await page.waitForSelector(byText('10 images: 2 labelled, 2 normal, 0 anomaly'), { timeout: 30_000 });

      // The Unlabelled filter shows the eight uploaded images.
      const unlabelled = (await entriesOf('uploads', 'train')).filter((e) => !e['anomaly-label-metadata']).map((e) => e['source-ref'].split('/').pop()!);
      assert.equal(unlabelled.length, 8);
      await clickVisible(page, 'button', 'Unlabelled');
      await waitForGallery(unlabelled);
    } finally {
      await rm(files, { recursive: true, force: true });
    }
  });

  test('nothing broke the Content-Security-Policy, threw, or left the origin', async () => {
    assert.deepEqual(await b.cspViolations(), []);
    assert.deepEqual(b.pageErrors, []);
  });

  test('nothing the console stored is readable in the data directory: not the uploaded images, not a manifest line', async () => {
    const uploaded = ['normal-4.jpg', 'anomaly-6.jpg', 'normal-7.jpg', 'anomaly-7.jpg'];
    const markers = (await Promise.all(uploaded.map(async (f) => imageWindows(await readFile(join(COOKIES, 'training-images', f)))))).flat();
    const line = (await entriesOf('uploads', 'train')).find((e) => e['source-ref'].endsWith('/extra/normal-20.jpg'))!;
    markers.push(Buffer.from(JSON.stringify(line)), Buffer.from('"class-name":"normal","type":"groundtruth/image-classification"'));
    assert.deepEqual(await filesHolding(vigil.dataDir, markers), []);
    // The scan does read the data directory: a bucket's name is kept in the clear, as its metadata.
    assert.notDeepEqual(await filesHolding(vigil.dataDir, [Buffer.from('cookie-import')]), []);
  });
});
