import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { ARTIFACT_FORMAT_VERSION, parseArtifact, serializeArtifact } from '../../src/ml/artifact.js';
import { ArtifactError, ImageFormatError, loadDetector, TrainingDataError, type TrainingImage, type TrainResult, train } from '../../src/ml/index.js';
import { decodeModel } from '../../src/ml/model.js';
import { ALIENS, COOKIE_SIZE, COOKIES } from '../helpers/datasets.js';

// A handful of the real cookie photos (CC BY-SA 4.0, see test/fixtures/README.md).
const read = (path: string): Uint8Array => new Uint8Array(readFileSync(join(COOKIES, path)));
const normal = (n: number): TrainingImage => ({ bytes: read(`training-images/normal-${n}.jpg`), anomalous: false });
const anomaly = (n: number): TrainingImage => ({ bytes: read(`training-images/anomaly-${n}.jpg`), anomalous: true, mask: read(`mask-images/anomaly-${n}.png`) });
const CLASSES = [{ name: 'cracked', color: '#23A436' }];

describe('training and detection on real images', () => {
  let trained: TrainResult;

  before(async () => {
    trained = await train([1, 3, 5, 7, 9, 11].map(normal).concat([1, 3, 5, 7].map(anomaly)), { classes: CLASSES, resolution: 192, threads: 2 });
  });

  it('trains a segmentation model and reports its calibration', () => {
    const m = trained.metrics;
    assert.equal(m.normalImages, 6);
    assert.equal(m.anomalousImages, 4);
    assert.equal(m.preprocessing.height, 192);
    assert.equal(m.preprocessing.width % 16, 0);
    assert.ok(m.bankSize > 0 && m.bankSize <= m.patches);
    assert.ok(['line-f1', 'f1-max'].includes(m.calibrationMethod), m.calibrationMethod);
    assert.ok(Number.isFinite(m.threshold));
    assert.ok(m.expectedFalseAlarmRate > 0 && m.expectedFalseAlarmRate <= 0.5, `${m.expectedFalseAlarmRate}`);
    assert.ok(m.expectedRecall !== null && m.expectedRecall >= 0 && m.expectedRecall <= 1);
    assert.ok(m.trainSeconds > 0);
  });

  it('detects: verdict, confidence, anomalies and an RGB mask of the input size', async () => {
    const detector = await loadDetector(trained.artifact);
    const crack = await detector.detect(read('training-images/anomaly-2.jpg'));
    const plain = await detector.detect(read('training-images/normal-2.jpg'));
    assert.ok(crack.score > plain.score, `anomaly ${crack.score} vs normal ${plain.score}`);
    for (const d of [crack, plain]) {
      assert.ok(d.confidence >= 0.5 && d.confidence <= 1);
      assert.ok(d.anomalyProbability >= 0 && d.anomalyProbability <= 1);
      assert.equal(d.isAnomalous, d.anomalyProbability >= 0.5);
      assert.equal(d.anomalies![0]!.name, 'background');
      assert.equal(d.anomalies![0]!.color, '#FFFFFF');
      const meta = await sharp(d.mask!).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['png', COOKIE_SIZE.width, COOKIE_SIZE.height, 3]);
      const area = d.anomalies!.reduce((a, x) => a + x.totalPercentageArea, 0);
      assert.ok(Math.abs(area - 1) < 1e-9);
    }
    if (crack.isAnomalous) assert.equal(crack.anomalies![1]?.name, 'cracked');
    if (!plain.isAnomalous) assert.equal(plain.anomalies!.length, 1);
    // A false-alarm-rate target moves the decision without retraining: accepting half the good parts
    // flagged lowers the threshold; an impossible target is refused.
    const sensitive = await detector.detect(read('training-images/normal-2.jpg'), { falseAlarmRate: 0.5 });
    assert.ok(sensitive.threshold < plain.threshold);
    assert.equal(sensitive.score, plain.score);
    await assert.rejects(detector.detect(read('training-images/normal-2.jpg'), { falseAlarmRate: 0.9 }), RangeError);
    await assert.rejects(detector.detect(new TextEncoder().encode('not an image')), ImageFormatError);
  });

  it('projects features onto the subspace fitted on the first normals when there are many', async () => {
    const aliens = join(ALIENS, 'normal');
    const files = readdirSync(aliens).sort().slice(0, 36);
    const many = files.map((f) => ({ bytes: new Uint8Array(readFileSync(join(aliens, f))), anomalous: false }));
    const result = await train(many, { resolution: 64, featureDim: 16 });
    assert.equal(result.metrics.featureDim, 16);
    assert.equal(result.metrics.normalImages, 36);
    assert.ok(result.metrics.explainedVariance > 0.5 && result.metrics.explainedVariance <= 1);
    const d = await (await loadDetector(result.artifact)).detect(many[35]!.bytes);
    assert.ok(Number.isFinite(d.score));
  });

  it('adds tilted views of the normals to the bank (augment: tilt): a tilted part scores lower', async () => {
    const aliens = join(ALIENS, 'normal');
    const files = readdirSync(aliens).sort().slice(0, 8);
    const normals = files.map((f) => ({ bytes: new Uint8Array(readFileSync(join(aliens, f))), anomalous: false }));
    const options = { resolution: 160, threads: 2 } as const;
    const plain = await train(normals.slice(0, 7), options);
    const tilted = await train(normals.slice(0, 7), { ...options, augment: 'tilt' });
    assert.equal(tilted.metrics.patches, 5 * plain.metrics.patches, 'the image and four tilts of each normal');
    assert.equal(decodeModel(tilted.artifact).training.augmentation, 'tilt');
    // The held-out normal, tilted by 8°, looks more normal to the model that has seen tilts.
    const held = new Uint8Array(await sharp(normals[7]!.bytes).rotate(8, { background: '#ffffff' }).png().toBuffer());
    const [a, b] = await Promise.all([plain, tilted].map(async (t) => (await loadDetector(t.artifact)).detect(held)));
    assert.ok(b!.score < a!.score, `tilt-trained ${b!.score} vs plain ${a!.score}`);
    await assert.rejects(train(normals, { augment: 'sideways' as 'tilt' }), RangeError);
  });

  it('refuses a training set without enough normal images', async () => {
    await assert.rejects(train([normal(1), anomaly(1)]), TrainingDataError);
  });

  it('refuses a tampered artifact', async () => {
    const tampered = Uint8Array.from(trained.artifact);
    tampered[Math.floor(tampered.length / 2)]! ^= 0x40;
    await assert.rejects(loadDetector(tampered), ArtifactError);
    await assert.rejects(loadDetector(read('training-images/normal-1.jpg')), /not a Vigil model artifact/);
    // a well-formed artifact made with other backbone weights
    const { meta, arrays } = parseArtifact(trained.artifact);
    const foreign = serializeArtifact({ ...meta, backbone: { ...(meta.backbone as object), weightHash: 'f'.repeat(64) } }, Object.fromEntries(arrays));
    await assert.rejects(loadDetector(foreign), (e: unknown) => e instanceof ArtifactError && /trained with backbone/.test((e as Error).message));
  });

  it('loads format-1 to 5 artifacts as before (same score) and refuses a tile layout in format 1', async () => {
    const { meta, arrays } = parseArtifact(trained.artifact);
    assert.equal(parseArtifact(trained.artifact).version, ARTIFACT_FORMAT_VERSION);
    assert.equal((meta.preprocessing as { tiles?: unknown }).tiles, undefined);
    const v1 = serializeArtifact(meta, Object.fromEntries(arrays), 1);
    const probe = read('training-images/anomaly-2.jpg');
    const [now, old] = await Promise.all([trained.artifact, v1].map(async (a) => (await loadDetector(a)).detect(probe)));
    assert.equal(old!.score, now!.score);
    const tiles = { max: 96, tileWidth: 96, tileHeight: 192, margin: 32, xs: [0, 48], ys: [0] };
    const tiledV1 = serializeArtifact({ ...meta, preprocessing: { ...(meta.preprocessing as object), tiles } }, Object.fromEntries(arrays), 1);
    await assert.rejects(loadDetector(tiledV1), /tile layout is malformed/);
    const v2 = serializeArtifact(meta, Object.fromEntries(arrays), 2);
    assert.equal((await (await loadDetector(v2)).detect(probe)).score, now!.score);
    for (const version of [3, 4, 5]) assert.equal((await (await loadDetector(serializeArtifact(meta, Object.fromEntries(arrays), version))).detect(probe)).score, now!.score);
    const v7 = serializeArtifact(meta, Object.fromEntries(arrays), 7);
    await assert.rejects(loadDetector(v7), /unsupported model artifact format version 7/);
  });

  it('re-weights the image score when trained so (format 3), and format 1/2 or malformed neighbour lists do not', async () => {
    const images = [1, 3, 5, 7, 9, 11].map(normal).concat([1, 3, 5, 7].map(anomaly));
    const options = { classes: CLASSES, resolution: 192, threads: 2, useAnomalies: false };
    const [plain, weighted] = await Promise.all([false, true].map((reweight) => train(images, { ...options, reweight })));
    assert.equal(plain!.metrics.reweight, false);
    assert.equal(weighted!.metrics.reweight, true);
    const { meta, arrays, version } = parseArtifact(weighted!.artifact);
    assert.equal(version, ARTIFACT_FORMAT_VERSION);
    assert.deepEqual(meta.reweight, { b: 9, width: 8 });
    assert.equal(arrays.get('bankNeighbours')!.length, weighted!.metrics.bankSize * 8);
    assert.equal(parseArtifact(plain!.artifact).meta.reweight, undefined);
    assert.equal(parseArtifact(plain!.artifact).arrays.get('bankNeighbours'), undefined);
    const probe = read('training-images/anomaly-2.jpg');
    const [p, w] = await Promise.all([plain!.artifact, weighted!.artifact].map(async (a) => (await loadDetector(a)).detect(probe)));
    // Same bank (same seed): the re-weighted score is the largest patch distance times a factor in [1 − 1/9, 1).
    assert.ok(w!.score < p!.score && w!.score >= (8 / 9) * p!.score, `${w!.score} vs ${p!.score}`);
    // Re-weighting in a format-2 artifact, or neighbour lists that do not fit the bank, are refused.
    await assert.rejects(loadDetector(serializeArtifact(meta, Object.fromEntries(arrays), 2)), /re-weighting neighbours are missing or malformed/);
    const { bankNeighbours: _dropped, ...rest } = Object.fromEntries(arrays);
    await assert.rejects(loadDetector(serializeArtifact(meta, rest)), /re-weighting neighbours are missing or malformed/);
    const outOfRange = Int32Array.from(arrays.get('bankNeighbours')!);
    outOfRange[5] = weighted!.metrics.bankSize;
    await assert.rejects(loadDetector(serializeArtifact(meta, { ...Object.fromEntries(arrays), bankNeighbours: outOfRange })), /re-weighting neighbours are missing or malformed/);
  });

  it('fuses the global score when trained so (format 4); formats 1–3 or a malformed global score do not load it', async () => {
    const images = [1, 3, 5, 7, 9, 11].map(normal).concat([1, 3, 5, 7].map(anomaly));
    const options = { classes: CLASSES, resolution: 192, threads: 2, useAnomalies: false };
    const [plain, fused] = await Promise.all((['none', 'pyramid'] as const).map((globalScore) => train(images, { ...options, globalScore })));
    assert.equal(plain!.metrics.globalScore, 'none');
    assert.equal(fused!.metrics.globalScore, 'pyramid');
    assert.equal(parseArtifact(plain!.artifact).meta.globalScore, undefined);
    const { meta, arrays, version } = parseArtifact(fused!.artifact);
    assert.equal(version, ARTIFACT_FORMAT_VERSION);
    const g = meta.globalScore as { kind: string; dim: number; patch: { median: number; scale: number }; global: { median: number; scale: number } };
    assert.equal(g.kind, 'pyramid');
    assert.equal(g.dim, 5 * fused!.metrics.featureDim);
    assert.equal(arrays.get('globalDescriptors')!.length, 6 * g.dim);
    // Same bank (same seed): the fused score is at least the patch score's robust z-score.
    const probe = read('training-images/anomaly-2.jpg');
    const [p, f] = await Promise.all([plain!.artifact, fused!.artifact].map(async (a) => (await loadDetector(a)).detect(probe)));
    const zPatch = (p!.score - g.patch.median) / g.patch.scale;
    assert.ok(f!.score >= zPatch - 1e-9 && Number.isFinite(f!.score), `${f!.score} vs ${zPatch}`);
    // Calibration is on the fused scale: the verdict and threshold come from it.
    assert.equal(f!.threshold, fused!.metrics.threshold);
    assert.equal(f!.isAnomalous, f!.score >= f!.threshold);
    // A global score in a format-3 artifact, or one whose descriptors do not fit, is refused.
    for (const v of [1, 2, 3]) await assert.rejects(loadDetector(serializeArtifact(meta, Object.fromEntries(arrays), v)), /global score is missing or malformed/);
    const { globalDescriptors: _dropped, ...rest } = Object.fromEntries(arrays);
    await assert.rejects(loadDetector(serializeArtifact(meta, rest)), /global score is missing or malformed/);
    await assert.rejects(loadDetector(serializeArtifact({ ...meta, globalScore: { ...g, dim: g.dim + 1 } }, Object.fromEntries(arrays))), /global score is missing or malformed/);
    await assert.rejects(loadDetector(serializeArtifact({ ...meta, globalScore: { ...g, global: { median: 1, scale: 0 } } }, Object.fromEntries(arrays))), /global score is missing or malformed/);
    await assert.rejects(train(images, { ...options, globalScore: 'fancy' as 'mean' }), RangeError);
  });

  it('learns from max-pooled features in the anomaly head when asked (format 6); older formats or a malformed head are refused', async () => {
    const images = [1, 3, 5, 7, 9, 11].map(normal).concat([1, 3, 5, 7].map(anomaly));
    const options = { resolution: 192, threads: 2 };
    const [scores, pooled] = await Promise.all((['scores', 'scores-and-features'] as const).map((anomalyHead) => train(images, { ...options, anomalyHead })));
    assert.equal(pooled!.metrics.head?.used, true);
    const { meta, arrays } = parseArtifact(pooled!.artifact);
    const head = meta.head as { weights: number[]; pooledFeatures: boolean };
    assert.equal(head.pooledFeatures, true);
    assert.equal(head.weights.length, 8 + pooled!.metrics.featureDim + 1);
    assert.equal((parseArtifact(scores!.artifact).meta.head as { weights: number[] }).weights.length, 8 + 1);
    // Same bank and statistics: only the pooled features differ, so the logits do.
    const probe = read('training-images/anomaly-2.jpg');
    const [s, p] = await Promise.all([scores!.artifact, pooled!.artifact].map(async (a) => (await loadDetector(a)).detect(probe)));
    assert.ok(Number.isFinite(p!.score) && p!.score !== s!.score, `${p!.score} vs ${s!.score}`);
    assert.equal(p!.isAnomalous, p!.score >= p!.threshold);
    await assert.rejects(loadDetector(serializeArtifact(meta, Object.fromEntries(arrays), 5)), /anomaly head is malformed/);
    await assert.rejects(loadDetector(serializeArtifact({ ...meta, head: { ...head, weights: head.weights.slice(1) } }, Object.fromEntries(arrays))), /anomaly head is malformed/);
    await assert.rejects(loadDetector(serializeArtifact({ ...meta, head: { ...head, pooledFeatures: false } }, Object.fromEntries(arrays))), /anomaly head is malformed/);
    await assert.rejects(train(images, { ...options, anomalyHead: 'pixels' as 'scores' }), RangeError);
  });

  it('trains and detects on tiles when the working resolution is large', async () => {
    const result = await train([1, 3, 5, 7].map(normal), { resolution: 800, threads: 2 });
    const tiles = result.metrics.preprocessing.tiles;
    assert.ok(tiles && tiles.xs.length * tiles.ys.length > 1, 'a 608×800 working image is tiled');
    const detector = await loadDetector(result.artifact);
    const crack = await detector.detect(read('training-images/anomaly-2.jpg'), { returnMap: true });
    const plain = await detector.detect(read('training-images/normal-2.jpg'));
    assert.deepEqual([crack.map!.width, crack.map!.height], [608, 800]);
    assert.ok(crack.score > plain.score, `anomaly ${crack.score} vs normal ${plain.score}`);
  });

  it('chooses the working resolution of a segmentation project on its training masks', async () => {
    const m = trained.metrics;
    assert.equal(m.search, undefined, 'an explicit resolution is kept');
    const chosen = await train([1, 3, 5, 7, 9, 11].map(normal).concat([1, 3, 5, 7].map(anomaly)), { classes: CLASSES, threads: 2 });
    assert.equal(chosen.metrics.search!.criterion, 'pixel AUROC');
    const tried = chosen.metrics.search!.trials;
    assert.ok(tried.length >= 2, 'several resolutions tried');
    const sides = tried.map((t) => Math.max(t.width, t.height));
    assert.deepEqual(
      [...sides].sort((a, b) => b - a),
      sides,
      'largest first',
    );
    // the rule: a smaller resolution replaces the current choice only when its pixel AUROC is higher by 0.002
    let best = tried[0]!;
    for (const t of tried.slice(1)) if (t.score > best.score + 0.002) best = t;
    assert.deepEqual([chosen.metrics.preprocessing.width, chosen.metrics.preprocessing.height], [best.width, best.height]);
    assert.equal(chosen.metrics.calibrationPixelAUROC, best.score);
    // With extra views the same search runs without them; only the chosen resolution is trained with them.
    const tilted = await train([1, 3, 5, 7, 9, 11].map(normal).concat([1, 3, 5, 7].map(anomaly)), { classes: CLASSES, threads: 2, augment: 'tilt' });
    assert.deepEqual(
      tilted.metrics.search!.trials.map((t) => [t.width, t.height, t.score]),
      tried.map((t) => [t.width, t.height, t.score]),
    );
    assert.deepEqual(tilted.metrics.preprocessing, chosen.metrics.preprocessing);
    assert.equal(tilted.metrics.patches, 5 * chosen.metrics.patches);
    assert.equal(decodeModel(tilted.artifact).training.augmentation, 'tilt');
  });

  it('trains and detects inside a worker thread (pure functions of their inputs)', async () => {
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.engine).then(async ({ train, loadDetector }) => {
        const trained = await train(workerData.images, { resolution: 128 });
        const detection = await (await loadDetector(trained.artifact)).detect(workerData.probe);
        parentPort.postMessage({ artifact: trained.artifact, score: detection.score });
      }).catch((error) => parentPort.postMessage({ error: String(error) }));`;
    const engine = new URL('../../src/ml/index.js', import.meta.url).href;
    const images = [1, 3, 5, 7].map(normal);
    const probe = read('training-images/anomaly-2.jpg');
    const worker = new Worker(code, { eval: true, workerData: { engine, images, probe } });
    const reply = await new Promise<{ artifact?: Uint8Array; score?: number; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    assert.equal(reply.error, undefined);
    // the artifact made in the worker loads here and scores the same image identically
    const here = await (await loadDetector(reply.artifact!)).detect(probe);
    assert.ok(Math.abs(here.score - reply.score!) < 1e-4);
  });
});
