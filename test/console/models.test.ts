import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { DescribeKeyCommand, GetKeyRotationStatusCommand, type KMSClient, ListAliasesCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import {
  CreateDatasetCommand,
  CreateModelCommand,
  CreateProjectCommand,
  DescribeModelCommand,
  DetectAnomaliesCommand,
  ListDatasetEntriesCommand,
  ListModelsCommand,
  ListTagsForResourceCommand,
  type LookoutVisionClient,
  StartModelCommand,
  StopModelCommand,
} from '@aws-sdk/client-lookoutvision';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Page } from 'puppeteer-core';
import { byText, type ConsoleBrowser, clickVisible, consoleSkipReason, openConsoleBrowser, saveScreenshot, signInAs, textOf, typeInto, unnamedControls } from '../helpers/consoleBrowser.js';
import { aliensProject, COOKIES, cookieManifest, cookiesProject } from '../helpers/datasets.js';
import { kmsClient } from '../helpers/kms.js';
import { s3Client } from '../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

/** As the console shows metrics and rates (console/src/models/format.ts). */
const percent = (v: number) => `${(v * 100).toFixed(1)} %`;
const rate = (v: number) => `${Number((v * 100).toPrecision(2))} %`;

/**
 * The console's model pages on a real Vigil, one server and one browser for all steps, in order: KMS keys,
 * training (a failure, a refused tag, then the cookies project under a customer key), the model's figures and
 * threshold, hosting with predicted masks, a trial detection folded into training, the dashboard, stopping.
 */
describe('the console: keys, training, model details, hosting and trial detections in Chromium', { skip: consoleSkipReason(), timeout: 300_000 }, () => {
  let vigil: TestVigil;
  let lfv: LookoutVisionClient;
  let kms: KMSClient;
  let s3: S3Client;
  let b: ConsoleBrowser;
  let page: Page;
  let keyArn: string;
  let masksShown = 0;

  const open = async (hash: string) => {
    await page.goto(`${vigil.endpoint}/_vigil/${hash}`, { waitUntil: 'load' });
  };
  const modelOf = async (project: string, version = '1') => (await lfv.send(new DescribeModelCommand({ ProjectName: project, ModelVersion: version }))).ModelDescription!;
  /** The lines of the cookies model's evaluation manifest. */
  const modelTestImages = async () => {
    const at = (await modelOf('cookies')).EvaluationManifest!;
    const text = await (await s3.send(new GetObjectCommand({ Bucket: at.Bucket, Key: at.Key }))).Body!.transformToString();
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  };
  const keyByAlias = async (alias: string) => {
    const found = (await kms.send(new ListAliasesCommand({}))).Aliases?.find((a) => a.AliasName === alias);
    return found && (await kms.send(new DescribeKeyCommand({ KeyId: found.TargetKeyId! }))).KeyMetadata!;
  };
  const selectKey = async (alias: string) => (await page.waitForSelector(`input[aria-label="${alias}"]`))!.evaluate((radio) => (radio as HTMLInputElement).click());
  const keyAction = async (action: string) => {
    await clickVisible(page, 'button', 'Key actions');
    await clickVisible(page, '[role="menuitem"]', action);
  };

  before(async () => {
    vigil = await startTestVigil();
    lfv = vigil.lookoutVision();
    kms = kmsClient(vigil);
    s3 = s3Client(vigil);
    await cookiesProject(vigil, lfv);
    // A project with three images: training starts, then fails for want of images.
    const few = (await cookieManifest('cookies')).split('\n').slice(0, 3).join('\n');
    await vigil.services.buckets.putObject({ bucket: 'cookies', key: 'few.manifest', body: Readable.from([Buffer.from(few)]) });
    await lfv.send(new CreateProjectCommand({ ProjectName: 'few' }));
    await lfv.send(new CreateDatasetCommand({ ProjectName: 'few', DatasetType: 'train', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: 'cookies', Key: 'few.manifest' } } } }));
    await vigil.jobs.idle();
    b = await openConsoleBrowser(vigil);
    page = b.page;
    await open('#/keys');
    await signInAs(page, vigil.rootAccessKey.accessKeyId, vigil.rootAccessKey.secretAccessKey);
    // The first sign-in offers the console bucket (tested in browser.test.ts): created, so it is not offered again.
    await (await page.waitForSelector('[data-testid="create-console-bucket"]', { timeout: 30_000 }))!.click();
    await page.waitForSelector(byText('Console bucket '), { timeout: 20_000 });
  });
  after(async () => {
    await b?.close();
    lfv?.destroy();
    kms?.destroy();
    s3?.destroy();
    await vigil?.stop();
  });

  test('KMS keys: create with an alias, a taken alias refused, disable and enable, rotation on and off, deletion scheduled after typing delete', async () => {
    await page.waitForSelector(byText('Encryption keys'), { timeout: 30_000 });
    const createKey = async (alias: string) => {
      await clickVisible(page, 'button', 'Create key');
      await typeInto(page, 'input[name="keyAlias"]', alias);
      await typeInto(page, 'input[name="keyDescription"]', `key ${alias}`);
      assert.deepEqual(await unnamedControls(page), []);
      await (await page.waitForSelector('[data-testid="create-key-submit"]:not([disabled])'))!.click();
    };
    await createKey('console-models');
    await page.waitForSelector(byText('Key alias/console-models created.'), { timeout: 20_000 });
    await page.waitForSelector('input[aria-label="alias/console-models"]');
    const key = (await keyByAlias('alias/console-models'))!;
    assert.equal(key.KeyState, 'Enabled');
    assert.equal(key.Description, 'key console-models');
    keyArn = key.Arn!;

    // A taken alias: refused before any key is made.
    const before = (await kms.send(new ListKeysCommand({}))).Keys!.length;
    await createKey('console-models');
    await page.waitForSelector(byText('An alias named alias/console-models already exists.'));
    assert.equal((await kms.send(new ListKeysCommand({}))).Keys!.length, before);
    await clickVisible(page, 'button', 'Cancel');

    await selectKey('alias/console-models');
    await keyAction('Disable');
    await page.waitForSelector(byText('alias/console-models disabled'), { timeout: 20_000 });
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.KeyState, 'Disabled');
    await keyAction('Enable');
    await page.waitForSelector(byText('alias/console-models enabled.'), { timeout: 20_000 });
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.KeyState, 'Enabled');
    await keyAction('Turn on automatic rotation');
    await page.waitForSelector(byText('Automatic rotation of alias/console-models is on.'), { timeout: 20_000 });
    assert.equal((await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }))).KeyRotationEnabled, true);
    await keyAction('Turn off automatic rotation');
    await page.waitForSelector(byText('Automatic rotation of alias/console-models is off.'), { timeout: 20_000 });
    assert.equal((await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }))).KeyRotationEnabled, false);

    // Deletion: warned, and only after typing delete.
    await createKey('doomed');
    await page.waitForSelector('input[aria-label="alias/doomed"]', { timeout: 20_000 });
    await selectKey('alias/doomed');
    await keyAction('Schedule key deletion');
    await page.waitForSelector(byText('Data encrypted under this key becomes unreadable'));
    assert.deepEqual(await unnamedControls(page), []);
    assert.ok(await (await page.waitForSelector('[data-testid="schedule-deletion-submit"]'))!.evaluate((button) => (button as HTMLButtonElement).disabled));
    await typeInto(page, 'input[name="pendingWindow"]', '7');
    await typeInto(page, 'input[name="confirmKeyDeletion"]', 'delete');
    await (await page.waitForSelector('[data-testid="schedule-deletion-submit"]:not([disabled])'))!.click();
    await page.waitForSelector(byText('alias/doomed will be deleted on'), { timeout: 20_000 });
    await saveScreenshot(page, 'keys');
    const doomed = (await keyByAlias('alias/doomed'))!;
    assert.equal(doomed.KeyState, 'PendingDeletion');
    assert.ok(Math.abs(doomed.DeletionDate!.getTime() - Date.now() - 7 * 86_400_000) < 3_600_000);
  });

  test('training: a failure shows its reason; a refused tag creates nothing; a model trains under the chosen customer key with its tags', async () => {
    await open('#/projects/few/models');
    await clickVisible(page, 'button', 'Train model', 20_000);
    // The output location is proposed from the project's bucket.
    await page.waitForFunction(() => (document.querySelector('input[name="modelOutput"]') as HTMLInputElement | null)?.value === 's3://cookies/model-output/few/', { timeout: 20_000 });
    await (await page.waitForSelector('[data-testid="train-model-submit"]:not([disabled])'))!.click();
    await page.waitForSelector(byText('TRAINING_FAILED'), { timeout: 60_000 });
    const failed = await modelOf('few');
    assert.equal(failed.Status, 'TRAINING_FAILED');
    await page.waitForSelector(byText(failed.StatusMessage!));
    await clickVisible(page, 'a', 'Model 1');
    await page.waitForSelector(byText('Training failed'), { timeout: 20_000 });
    await page.waitForSelector(byText(failed.StatusMessage!));

    await open('#/projects/cookies/models');
    await clickVisible(page, 'button', 'Train model', 20_000);
    await page.waitForFunction(() => (document.querySelector('input[name="modelOutput"]') as HTMLInputElement | null)?.value !== '', { timeout: 20_000 });
    await typeInto(page, 'textarea[aria-label="Model description"]', 'cookies from the console');
    await clickVisible(page, 'button', 'Add tag');
    await typeInto(page, 'input[aria-label="Tag key 1"]', 'vigil:bogus');
    await typeInto(page, 'input[aria-label="Tag value 1"]', 'x');
    await (await page.waitForSelector('[data-testid="train-model-submit"]:not([disabled])'))!.click();
    await page.waitForSelector(`[data-testid="train-model-error"]${byText('vigil:bogus')}`, { timeout: 20_000 });
    assert.deepEqual((await lfv.send(new ListModelsCommand({ ProjectName: 'cookies' }))).Models, []);

    await typeInto(page, 'input[aria-label="Tag key 1"]', 'team');
    await typeInto(page, 'input[aria-label="Tag value 1"]', 'qa');
    await (await page.waitForSelector('input[type="radio"][value="customer"]'))!.evaluate((radio) => (radio as HTMLInputElement).click());
    // Only enabled customer keys are offered: not the one pending deletion.
    // Cloudscape opens a select on a real pointer press.
    await (await page.waitForSelector(`button${byText('Choose a key')}`, { visible: true }))!.click();
    await page.waitForSelector(`[role="option"]${byText('alias/console-models')}`);
    assert.equal(await page.$(`[role="option"]${byText('alias/doomed')}`), null);
    await (await page.waitForSelector(`[role="option"]${byText('alias/console-models')}`))!.click();
    assert.deepEqual(await unnamedControls(page), []);
    await (await page.waitForSelector('[data-testid="train-model-submit"]:not([disabled])'))!.click();
    await page.waitForSelector(byText('Model 1 is training.'), { timeout: 20_000 });
    await page.waitForSelector(`td${byText('TRAINING')}`, { timeout: 20_000 });
    // Training takes as long as the machine needs: the job is awaited, then the page must show its end on its own.
    await vigil.jobs.idle();
    await page.waitForSelector(`td${byText('TRAINED')}`, { timeout: 30_000 });

    const model = await modelOf('cookies');
    assert.equal(model.Status, 'TRAINED');
    assert.equal(model.KmsKeyId, keyArn);
    assert.equal(model.Description, 'cookies from the console');
    assert.deepEqual(model.OutputConfig?.S3Location, { Bucket: 'cookies', Prefix: 'model-output/cookies/' });
    const tags = (await lfv.send(new ListTagsForResourceCommand({ ResourceArn: model.ModelArn }))).Tags;
    assert.deepEqual(tags, [{ Key: 'team', Value: 'qa' }]);
  });

  test('model details: the figures of DescribeModel and the evaluation files, test results, and a threshold applied as the reserved tag', async () => {
    const model = await modelOf('cookies');
    await clickVisible(page, 'a', 'Model 1');
    assert.equal(await textOf(page, '[data-testid="metric-f1"]'), percent(model.Performance!.F1Score!));
    assert.equal(await textOf(page, '[data-testid="metric-precision"]'), percent(model.Performance!.Precision!));
    assert.equal(await textOf(page, '[data-testid="metric-recall"]'), percent(model.Performance!.Recall!));
    const result = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: model.EvaluationResult!.Bucket, Key: model.EvaluationResult!.Key }))).Body!.transformToString());
    const pixels = result.AggregatedEvaluationResults.Metrics.PixelAnomalyClassMetrics as { ClassName: string; AIOU: number }[];
    assert.ok(pixels.length > 0);
    for (const p of pixels) await page.waitForSelector(`td${byText(p.ClassName)}`);
    await page.waitForSelector(byText(`${result.EvaluationDetails.NumberOfTrainingImages} training images, ${result.EvaluationDetails.NumberOfTestingImages} test images`));

    // Test results: the manifest's verdicts, correct and incorrect counted.
    const lines = await modelTestImages();
    const right = lines.filter((l) => l['anomaly-label-metadata']['class-name'] === l['anomaly-label-detected-metadata']['class-name']).length;
    await page.waitForSelector(byText(`${right} correct, ${lines.length - right} incorrect of ${lines.length} test images`), { timeout: 20_000 });
    assert.deepEqual(await unnamedControls(page), []);
    await saveScreenshot(page, 'model-details');

    // The threshold: the slider previews each step's verdicts on the test images, from their scores in the manifest.
    const curve = result.Vigil.OperatingCurve as { FalseAlarmRateTarget: number; Threshold: number; ExpectedFalseAlarmRate: number; ExpectedRecall: number | null }[];
    assert.equal(await textOf(page, '[data-testid="threshold-chosen"]'), 'Calibrated');
    assert.equal(await textOf(page, '[data-testid="threshold-false-alarm-rate"]'), rate(result.Vigil.ExpectedFalseAlarmRate));
    const previewShown = async (threshold: number) => {
      const verdicts = lines.map((l) => ({
        actual: l['anomaly-label-metadata']['class-name'],
        flagged: l['anomaly-label-detected-metadata']['vigil-anomaly-score'] >= threshold,
        before: l['anomaly-label-detected'] === 1,
      }));
      const count = (f: (v: (typeof verdicts)[number]) => boolean) => String(verdicts.filter(f).length);
      const expected = {
        'preview-true-positives': count((v) => v.actual === 'anomaly' && v.flagged),
        'preview-false-positives': count((v) => v.actual === 'normal' && v.flagged),
        'preview-false-negatives': count((v) => v.actual === 'anomaly' && !v.flagged),
        'preview-true-negatives': count((v) => v.actual === 'normal' && !v.flagged),
        'preview-changed': count((v) => v.flagged !== v.before),
      };
      await page.waitForFunction((e) => Object.entries(e).every(([id, n]) => document.querySelector(`[data-testid="${id}"]`)?.textContent === n), { timeout: 10_000 }, expected);
      const correct = verdicts.filter((v) => v.flagged === (v.actual === 'anomaly')).length;
      await page.waitForSelector(byText(`${correct} correct, ${lines.length - correct} incorrect of ${lines.length} test images`));
      return Number(expected['preview-changed']);
    };
    assert.equal(await previewShown(result.Vigil.Threshold), 0, 'the calibrated threshold decides as the evaluation did');
    const slider = (await page.waitForSelector('input[type="range"]'))!;
    await slider.focus();
    // The last step, a 50 % target: normals that passed are flagged now, and the list shows which.
    for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelector('[data-testid="threshold-chosen"]')?.textContent === '50 %');
    const changed = await previewShown(curve[11].Threshold);
    assert.ok(changed > 0, 'a 50 % target changes verdicts on the test images');
    await clickVisible(page, 'button', 'Changed by the threshold');
    await page.waitForFunction((n) => document.querySelectorAll('.vigil-masked-image').length === n, { timeout: 10_000 }, Math.min(12, changed));
    // Each card shown says what it was at the calibrated threshold.
    assert.equal(await page.evaluate(() => (document.body.textContent ?? '').split('at the calibrated threshold)').length - 1), Math.min(12, changed));
    await clickVisible(page, 'button', 'All');
    // The 7th step, a 1 % target, with its expected figures, applied.
    await slider.focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
    const point = curve[6];
    assert.equal(point.FalseAlarmRateTarget, 0.01);
    await page.waitForFunction(() => document.querySelector('[data-testid="threshold-chosen"]')?.textContent === '1 %');
    assert.equal(await textOf(page, '[data-testid="threshold-false-alarm-rate"]'), rate(point.ExpectedFalseAlarmRate));
    assert.equal(await textOf(page, '[data-testid="threshold-recall"]'), point.ExpectedRecall === null ? 'Unknown (trained on normal images only)' : percent(point.ExpectedRecall));
    await previewShown(point.Threshold);
    await clickVisible(page, 'button', 'Apply threshold');
    await page.waitForSelector(byText('The model flags about 1 % of good parts from the next detection on.'), { timeout: 20_000 });
    const tags = (await lfv.send(new ListTagsForResourceCommand({ ResourceArn: model.ModelArn }))).Tags;
    assert.deepEqual(
      tags?.find((t) => t.Key === 'vigil:false-alarm-rate'),
      { Key: 'vigil:false-alarm-rate', Value: '0.01' },
    );
  });

  test('hosting: StartModel with its inference units, predicted masks over the test images, a trial detection folded into training', async () => {
    await clickVisible(page, 'button', 'Start hosting');
    await typeInto(page, 'input[name="maxInferenceUnits"]', '0');
    await page.waitForSelector(byText('A whole number no smaller than the minimum.'));
    assert.deepEqual(await unnamedControls(page), []);
    assert.ok(await (await page.waitForSelector('[data-testid="start-model-submit"]'))!.evaluate((button) => (button as HTMLButtonElement).disabled));
    await typeInto(page, 'input[name="maxInferenceUnits"]', '2');
    await (await page.waitForSelector('[data-testid="start-model-submit"]:not([disabled])'))!.click();
    await page.waitForSelector(`[data-testid="model-status"]${byText('HOSTED')}`, { timeout: 60_000 });
    await page.waitForSelector(byText('(1 to 2 inference units)'));
    const hosted = await modelOf('cookies');
    assert.equal(hosted.Status, 'HOSTED');
    assert.equal(hosted.MinInferenceUnits, 1);
    assert.equal(hosted.MaxInferenceUnits, 2);

    // Predicted masks: DetectAnomalies on each test image of the page, each mask decoded by the browser at the image's size.
    const cards = await page.$$eval('.vigil-masked-image', (images) => images.length);
    assert.equal(cards, Math.min(12, (await modelTestImages()).length));
    await (await page.waitForSelector('#show-predicted-masks:not([disabled])'))!.evaluate((toggle) => (toggle as HTMLInputElement).click());
    await page.waitForFunction(
      (n) => {
        const masks = [...document.querySelectorAll<HTMLImageElement>('img.vigil-mask')];
        return masks.length === n && masks.every((m) => m.complete && m.naturalWidth === 288 && m.naturalHeight === 384);
      },
      { timeout: 60_000 },
      cards,
    );
    masksShown = cards;
    // The same detections' anomaly maps (Vigil's extension), coloured as heatmaps at the image's size.
    await clickVisible(page, 'button', 'Heatmap');
    await page.waitForFunction(
      (n) => {
        const maps = [...document.querySelectorAll<HTMLImageElement>('img.vigil-heatmap')];
        return maps.length === n && maps.every((m) => m.complete && m.naturalWidth === 288 && m.naturalHeight === 384) && !document.querySelector('img.vigil-mask');
      },
      { timeout: 20_000 },
      cards,
    );

    // Trial detection on an image from the computer: the verdict is the API's on the same bytes.
    const file = join(COOKIES, 'test-images', 'test-anomaly-1.jpg');
    const bytes = await readFile(file);
    const input = await page.waitForSelector('input[type="file"]');
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(file);
    await clickVisible(page, 'button', 'Detect anomalies', 20_000);
    const verdict = await textOf(page, '[data-testid="trial-verdict"]');
    const expected = (await lfv.send(new DetectAnomaliesCommand({ ProjectName: 'cookies', ModelVersion: '1', ContentType: 'image/jpeg', Body: bytes }))).DetectAnomalyResult!;
    assert.equal(verdict, `${expected.IsAnomalous ? 'Anomaly' : 'Normal'} with confidence ${percent(expected.Confidence!)}`);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('img.vigil-mask')].some((m) => m.alt === 'Anomaly mask of test-anomaly-1.jpg' && m.naturalWidth === 288));
    await clickVisible(page, '[data-testid="trial-overlay"] button', 'Heatmap');
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('img.vigil-heatmap')].some((m) => m.alt === 'Heatmap of test-anomaly-1.jpg' && m.naturalWidth === 288));

    // Verified as an anomaly and added to the training dataset: the image in the project's bucket, its line in the dataset.
    await clickVisible(page, 'button', 'Anomaly');
    await clickVisible(page, 'button', 'Add to training dataset');
    await page.waitForSelector(byText('test-anomaly-1.jpg was added to the training dataset as anomaly.'), { timeout: 30_000 });
    const entries = (await lfv.send(new ListDatasetEntriesCommand({ ProjectName: 'cookies', DatasetType: 'train', MaxResults: 100 }))).DatasetEntries!.map((l) => JSON.parse(l));
    assert.equal(entries.length, 64);
    const added = entries.find((e) => String(e['source-ref']).includes('/trial-detections/'));
    assert.ok(added, 'the trial image is in the dataset');
    assert.equal(added['anomaly-label-metadata']['class-name'], 'anomaly');
    assert.equal(added['anomaly-label'], 1);
    const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(added['source-ref'])!;
    assert.equal(bucket, 'cookies');
    const stored = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray();
    assert.ok(Buffer.from(stored).equals(bytes));
  });

  test('trial detection over an S3 prefix: every image under it checked, a bad prefix refused with a message, a verified image folded into training', async () => {
    const batch = { 'trial-batch/normal-2.jpg': 'test-normal-2.jpg', 'trial-batch/more/anomaly-2.jpg': 'test-anomaly-2.jpg' };
    for (const [key, file] of Object.entries(batch)) await s3.send(new PutObjectCommand({ Bucket: 'cookies', Key: key, Body: await readFile(join(COOKIES, 'test-images', file)) }));
    await s3.send(new PutObjectCommand({ Bucket: 'cookies', Key: 'trial-batch/notes.txt', Body: 'not an image' }));
    await clickVisible(page, 'button', 'An S3 prefix');
    await typeInto(page, 'input[name="trialS3Uri"]', 'cookies/trial-batch/');
    await clickVisible(page, 'button', 'Detect anomalies');
    await page.waitForSelector(byText('Enter an S3 URI of the form s3://bucket/prefix/.'));
    await typeInto(page, 'input[name="trialS3Uri"]', 's3://cookies/nothing-here/');
    await clickVisible(page, 'button', 'Detect anomalies');
    await page.waitForSelector(byText('No trial detection was run. No PNG or JPEG images under s3://cookies/nothing-here/.'), { timeout: 20_000 });

    await typeInto(page, 'input[name="trialS3Uri"]', 's3://cookies/trial-batch');
    await clickVisible(page, 'button', 'Detect anomalies');
    await page.waitForSelector(byText('2 trial images checked by model 1.'), { timeout: 30_000 });
    for (const [key, file] of Object.entries(batch)) {
      const name = key.slice('trial-batch/'.length);
      const shown = await page.$eval(`[data-trial-name="${name}"] [data-testid="trial-verdict"]`, (e) => e.textContent);
      const expected = (await lfv.send(new DetectAnomaliesCommand({ ProjectName: 'cookies', ModelVersion: '1', ContentType: 'image/jpeg', Body: await readFile(join(COOKIES, 'test-images', file)) })))
        .DetectAnomalyResult!;
      assert.equal(shown, `${expected.IsAnomalous ? 'Anomaly' : 'Normal'} with confidence ${percent(expected.Confidence!)}`, name);
    }
    await clickVisible(page, '[data-trial-name="normal-2.jpg"] [data-testid="trial-overlay"] button', 'Heatmap');
    await page.waitForFunction(() => (document.querySelector('img.vigil-heatmap[alt="Heatmap of normal-2.jpg"]') as HTMLImageElement | null)?.naturalWidth === 288);
    await saveScreenshot(page, 'trial-detection');

    await clickVisible(page, '[data-trial-name="normal-2.jpg"] button', 'Normal');
    await clickVisible(page, '[data-trial-name="normal-2.jpg"] button', 'Add to training dataset');
    await page.waitForSelector(byText('normal-2.jpg was added to the training dataset as normal.'), { timeout: 30_000 });
    const entries = (await lfv.send(new ListDatasetEntriesCommand({ ProjectName: 'cookies', DatasetType: 'train', MaxResults: 100 }))).DatasetEntries!.map((l) => JSON.parse(l));
    assert.equal(entries.length, 65);
    const added = entries.find((e) => String(e['source-ref']).endsWith('-normal-2.jpg'));
    assert.equal(added?.['anomaly-label-metadata']['class-name'], 'normal');
  });

  test('the dashboard shows the DetectAnomalies counters per project, and hosting stops', async () => {
    const counted = async (name: string) =>
      (await vigil.services.metrics.registry.getSingleMetric(name)!.get()).values.filter((v) => v.labels.project_name === 'cookies').reduce((sum, v) => sum + v.value, 0);
    const processed = await counted('vigil_processed_images_total');
    const anomalies = await counted('vigil_detected_anomalies_total');
    // One DetectAnomalies per test image shown with its mask, the trial images (one uploaded, two from S3), and the test's own calls.
    assert.equal(processed, masksShown + 6);
    await open('#/dashboard');
    await page.waitForFunction((n) => document.querySelector('[data-testid="dashboard-processed"]')?.textContent === n, { timeout: 20_000 }, String(processed));
    assert.equal(await textOf(page, '[data-testid="dashboard-anomalies"]'), String(anomalies));
    assert.equal(await textOf(page, '[data-testid="dashboard-projects"]'), '2');
    const row = await page.waitForFunction(() => [...document.querySelectorAll('tr')].find((r) => r.querySelector('a')?.textContent === 'cookies')?.textContent);
    assert.equal(await row.jsonValue(), `cookies${processed}${anomalies}${((anomalies / processed) * 100).toFixed(1)} %`);
    await saveScreenshot(page, 'dashboard');

    await open('#/projects/cookies/models/1');
    await clickVisible(page, 'button', 'Stop hosting', 20_000);
    await page.waitForSelector(`[data-testid="model-status"]${byText('TRAINED')}`, { timeout: 60_000 });
    assert.equal((await modelOf('cookies')).Status, 'TRAINED');
  });

  test('retraining: model 2 trains from the console on the dataset with the verified trial images', async () => {
    const evaluated = async (version: string) => {
      const at = (await modelOf('cookies', version)).EvaluationResult!;
      const details = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: at.Bucket, Key: at.Key }))).Body!.transformToString()).EvaluationDetails;
      return details.NumberOfTrainingImages + details.NumberOfTestingImages;
    };
    await open('#/projects/cookies/models');
    await clickVisible(page, 'button', 'Train model', 20_000);
    await page.waitForFunction(() => (document.querySelector('input[name="modelOutput"]') as HTMLInputElement | null)?.value !== '', { timeout: 20_000 });
    await (await page.waitForSelector('[data-testid="train-model-submit"]:not([disabled])'))!.click();
    await page.waitForSelector(byText('Model 2 is training.'), { timeout: 20_000 });
    await vigil.jobs.idle();
    await page.waitForFunction(() => [...document.querySelectorAll('tr')].some((r) => r.textContent?.includes('Model 2') && r.textContent.includes('TRAINED')), { timeout: 30_000 });
    assert.equal((await modelOf('cookies', '2')).Status, 'TRAINED');
    // The 63 images of the first model, and the two trial images verified and added since.
    assert.equal(await evaluated('1'), 63);
    assert.equal(await evaluated('2'), 65);
  });

  test('a classification model, which has no anomaly masks, shows heatmaps over its test results', async () => {
    await aliensProject(vigil);
    await lfv.send(new CreateModelCommand({ ProjectName: 'aliens', OutputConfig: { S3Location: { Bucket: 'aliens', Prefix: 'out/' } } }));
    await vigil.jobs.idle();
    await lfv.send(new StartModelCommand({ ProjectName: 'aliens', ModelVersion: '1', MinInferenceUnits: 1 }));
    await vigil.jobs.idle();
    assert.equal((await modelOf('aliens')).Status, 'HOSTED');
    await open('#/projects/aliens/models/1');
    await page.waitForSelector(`[data-testid="model-status"]${byText('HOSTED')}`, { timeout: 20_000 });
    await (await page.waitForSelector('#show-predicted-masks:not([disabled])', { timeout: 20_000 }))!.evaluate((toggle) => (toggle as HTMLInputElement).click());
    await clickVisible(page, 'button', 'Heatmap');
    const cards = await page.$$eval('.vigil-masked-image', (images) => images.length);
    assert.ok(cards > 0);
    await page.waitForFunction(
      (n) => {
        const maps = [...document.querySelectorAll<HTMLImageElement>('img.vigil-heatmap')];
        return maps.length === n && maps.every((m) => m.complete && m.naturalWidth === 275 && m.naturalHeight === 190);
      },
      { timeout: 30_000 },
      cards,
    );
    await clickVisible(page, 'button', 'Anomaly mask');
    assert.equal(await page.$('img.vigil-mask'), null);
    await lfv.send(new StopModelCommand({ ProjectName: 'aliens', ModelVersion: '1' }));
  });

  test('nothing broke the Content-Security-Policy, threw, or left the origin', async () => {
    assert.deepEqual(await b.cspViolations(), []);
    assert.deepEqual(b.pageErrors, []);
  });
});
