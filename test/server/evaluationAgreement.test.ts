import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { evaluate } from '../../src/cli/eval.js';
import type { EvalReport } from '../../src/cli/evalReport.js';
import { COOKIES, cookieManifest, manifestLines, putCookieImages } from '../helpers/datasets.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

/**
 * `vigil eval` and the server's evaluation (DescribeModel's Performance, the EvaluationResult and EvaluationManifest
 * files) on the same cookie images, the same train/test split and the same training seed (model version 1 trains
 * with seed 1) must give the same verdicts and the same figures: one metrics implementation, one engine.
 */
describe('vigil eval and the server evaluation agree', () => {
  const train = { normal: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], anomaly: [1, 2, 3, 4] };
  const test_ = { normal: [11, 12, 13, 14, 15, 16, 17, 18, 19, 20], anomaly: [5, 6, 7, 8, 9, 10, 11, 12, 13, 14] };
  let dir: string;
  let vigil: TestVigil;
  let report: EvalReport;
  let result: { AggregatedEvaluationResults: { Metrics: Record<string, unknown> }; Vigil: { MeasuredFalseAlarmRate: number | null } };
  let performance: { precision: number; recall: number; f1Score: number };
  let manifest: Record<string, unknown>[];

  before(async () => {
    // vigil eval's layout: normal/, anomaly/, masks/ and the manifest's one class in classes.json.
    dir = await mkdtemp(join(tmpdir(), 'vigil-agreement-'));
    for (const [split, images] of [
      ['train', train],
      ['test', test_],
    ] as const) {
      for (const kind of ['normal', 'anomaly'] as const) {
        await mkdir(join(dir, split, kind), { recursive: true });
        for (const n of images[kind]) await symlink(join(COOKIES, 'training-images', `${kind}-${n}.jpg`), join(dir, split, kind, `${kind}-${n}.jpg`));
      }
      await mkdir(join(dir, split, 'masks'));
      for (const n of images.anomaly) await symlink(join(COOKIES, 'mask-images', `anomaly-${n}.png`), join(dir, split, 'masks', `anomaly-${n}.png`));
    }
    await writeFile(join(dir, 'train', 'classes.json'), JSON.stringify([{ name: 'cracked', color: '#23a436' }]));
    report = await evaluate({ train: join(dir, 'train'), test: join(dir, 'test'), seed: 1 });

    // The server: the same images in a train and a test dataset, in the same order (normals, then anomalies).
    vigil = await startTestVigil();
    const { buckets, projects, datasets, models } = vigil.services;
    await buckets.createBucket('cookies');
    await putCookieImages(buckets, 'cookies');
    const lines = new Map(manifestLines(await cookieManifest('cookies')).map((line) => [basename(String(line['source-ref'])), line]));
    await projects.create({ projectName: 'cookies' });
    for (const [type, images] of [
      ['train', train],
      ['test', test_],
    ] as const) {
      const chosen = [...images.normal.map((n) => lines.get(`normal-${n}.jpg`)!), ...images.anomaly.map((n) => lines.get(`anomaly-${n}.jpg`)!)];
      await buckets.putObject({ bucket: 'cookies', key: `${type}.manifest`, body: Readable.from([Buffer.from(chosen.map((l) => JSON.stringify(l)).join('\n'))]) });
      await datasets.create({ projectName: 'cookies', datasetType: type, manifest: { Bucket: 'cookies', Key: `${type}.manifest` } });
    }
    await vigil.jobs.idle();
    await models.create({ projectName: 'cookies', output: { bucket: 'cookies', prefix: 'out/' } });
    await vigil.jobs.idle();
    const model = await models.describe({ projectName: 'cookies', modelVersion: '1' });
    assert.equal(model.status, 'TRAINED', model.statusMessage);
    performance = model.performance!;
    const read = async (key: string) => (await buckets.getObject('cookies', key)).body.toArray().then((chunks) => Buffer.concat(chunks).toString());
    result = JSON.parse(await read(model.evaluationResult!));
    manifest = manifestLines(await read(model.evaluationManifest!));
  });

  after(async () => {
    await vigil?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('the same verdict and confidence on every test image', () => {
    assert.equal(manifest.length, report.images.length);
    for (const line of manifest) {
      const image = report.images.find((i) => i.name === basename(String(line['source-ref'])))!;
      assert.ok(image, `${line['source-ref']} is a test image of vigil eval`);
      assert.equal(line['anomaly-label-detected'] === 1, image.isAnomalous, image.name);
      const metadata = line['anomaly-label-detected-metadata'] as { confidence: number };
      assert.ok(Math.abs(metadata.confidence - image.confidence) < 1e-6, `${image.name}: confidence ${metadata.confidence} vs ${image.confidence}`);
    }
  });

  test('the same precision, recall, F1 and false-alarm rate', (t) => {
    t.diagnostic(`F1 ${report.f1} (precision ${report.precision}, recall ${report.recall}), false alarms ${report.falseAlarmRate}; pixel ${JSON.stringify(report.perClass)}`);
    const metrics = result.AggregatedEvaluationResults.Metrics;
    assert.deepEqual({ precision: performance.precision, recall: performance.recall, f1: performance.f1Score }, { precision: report.precision, recall: report.recall, f1: report.f1 });
    assert.deepEqual({ precision: metrics.Precision, recall: metrics.Recall, f1: metrics.F1Score }, { precision: report.precision, recall: report.recall, f1: report.f1 });
    assert.equal(result.Vigil.MeasuredFalseAlarmRate, report.falseAlarmRate);
  });

  test('the same pixel figures per anomaly class', () => {
    const pixel = result.AggregatedEvaluationResults.Metrics.PixelAnomalyClassMetrics as {
      ClassName: string;
      Precision: number;
      Recall: number;
      F1Score: number;
      AIOU: number;
      NumberOfTestingImages: number;
    }[];
    assert.deepEqual(
      pixel.map((c) => c.ClassName),
      ['cracked'],
    );
    assert.deepEqual(
      report.perClass.map((c) => ({ name: c.name, precision: c.precision, recall: c.recall, f1: c.f1, aiou: c.aiou, images: c.images })),
      pixel.map((c) => ({ name: c.ClassName, precision: c.Precision, recall: c.Recall, f1: c.F1Score, aiou: c.AIOU, images: c.NumberOfTestingImages })),
    );
    assert.equal(pixel[0]!.NumberOfTestingImages, test_.anomaly.length);
  });
});
