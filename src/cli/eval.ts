/*
 * `vigil eval --train DIR [--test DIR] [--json]`: "would Vigil catch my defects?" before any server.
 * Each DIR holds normal/ and anomaly/ (and optional masks/: one PNG per anomalous image, same base name;
 * optional classes.json: [{"name", "color"}]). Trains, tests, prints image AUROC, F1 / precision / recall at
 * the chosen threshold, pixel AUROC when masks exist, train seconds and ms per image.
 * Here: the evaluation. The flags are evalOptions.ts, the folders evalDataset.ts, the report evalReport.ts.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import { decodeClassMask, imageSize } from '../ml/components/image.js';
import { loadDetector, type TrainingImage, train } from '../ml/index.js';
import { MaskEvaluation } from '../ml/maskEvaluation.js';
import { atAnomalyRate, auroc, aurocBinned, confusionAt, falseAlarmRate, imageFigures, prCurve, precisionRecall } from '../ml/metrics.js';
import { readClasses, readMask, trainAndTestFiles } from './evalDataset.js';
import type { EvalOptions } from './evalOptions.js';
import { type EvalReport, formatEvalReport } from './evalReport.js';

export async function evaluate(options: EvalOptions, log: (line: string) => void = () => {}): Promise<EvalReport> {
  const { trainFiles, testFiles, seed } = await trainAndTestFiles(options, log);
  if (!testFiles.length) throw new Error('no test images');
  const trainingSeed = options.seed ?? 0;
  const { classes, binary } = await readClasses([options.train, ...(options.test ? [options.test] : [])], [...trainFiles, ...testFiles]);
  // Read when training gets to each image: a large training set streams through instead of sitting in memory.
  const trainImages = trainFiles.map(
    (f): TrainingImage => ({
      bytes: async () => new Uint8Array(await readFile(f.path)),
      anomalous: f.anomalous,
      mask: f.mask ? () => readMask(f.mask!, binary) : undefined,
      name: basename(f.path),
    }),
  );

  const bar = options.json || !process.stderr.isTTY ? undefined : new cliProgress.SingleBar({ format: ' {stage} [{bar}] {value}/{total}', stream: process.stderr }, cliProgress.Presets.shades_classic);
  let currentStage = '';
  const trained = await train(trainImages, {
    classes,
    resolution: options.resolution,
    featureDim: options.featureDim,
    mapSigma: options.mapSigma,
    augment: options.augment,
    useAnomalies: options.useAnomalies,
    anomalyHead: options.anomalyHead,
    reweight: options.reweight,
    globalScore: options.globalScore,
    borderScale: options.borderScale,
    levelScores: options.levelScores,
    standardizeIntensity: options.standardizeIntensity,
    surface: options.surface,
    threads: options.threads ?? 2,
    seed: trainingSeed,
    bank: {
      ...(options.coresetRatio ? { coresetRatio: options.coresetRatio } : {}),
      ...(options.maxBank ? { maxBankSize: options.maxBank } : {}),
      ...(options.coresetDim ? { projectionDim: options.coresetDim } : {}),
      ...(options.coresetCandidates ? { maxCandidates: options.coresetCandidates } : {}),
    },
    heldOutNormals: options.heldOutNormals,
    onProgress: (p) => {
      if (!bar) return;
      if (p.stage !== currentStage) {
        if (currentStage) bar.stop();
        currentStage = p.stage;
        bar.start(p.total, p.done, { stage: `train: ${p.stage}`.padEnd(20) });
      } else bar.update(p.done);
    },
  });
  bar?.stop();
  const m = trained.metrics;
  if (m.search) log(`working resolution chosen on the training data (${m.search.criterion}): ${m.search.trials.map((r) => `${r.width}×${r.height} ${r.score.toFixed(3)}`).join(', ')}`);
  log(
    `trained in ${m.trainSeconds.toFixed(1)} s at ${m.preprocessing.width}×${m.preprocessing.height}${m.preprocessing.tiles ? ` (${m.preprocessing.tiles.xs.length * m.preprocessing.tiles.ys.length} tiles of ${m.preprocessing.tiles.tileWidth}×${m.preprocessing.tiles.tileHeight})` : ''}: bank ${m.bankSize} of ${m.patches} patches (${m.coresetCandidates} candidates; ${m.heldOutNormals} normals scored leave-one-out), threshold ${m.threshold.toFixed(4)} (${m.calibrationMethod})${m.head ? `, anomaly head ${m.head.used ? 'used' : 'not used'} (cv AUROC ${m.head.headAUROC.toFixed(3)} vs PatchCore ${m.head.patchcoreAUROC.toFixed(3)})` : ''}`,
  );

  // Detection runs on one thread: the figure to compare with the per-core goal.
  const detector = await loadDetector(trained.artifact, { threads: 1 });
  const scores: number[] = [];
  const labels: boolean[] = [];
  const perImage: EvalReport['images'] = [];
  const pixelScores: Float32Array[] = [];
  const pixelLabels: Uint8Array[] = [];
  const masks = classes.length ? new MaskEvaluation(classes) : undefined;
  const anyMasks = testFiles.some((f) => f.mask);
  const prep = detector.model.preprocessing;
  let detectMs = 0;
  bar?.start(testFiles.length, 0, { stage: 'test'.padEnd(20) });
  for (const [k, f] of testFiles.entries()) {
    const bytes = new Uint8Array(await readFile(f.path));
    const t0 = performance.now();
    const d = await detector.detect(bytes, { returnMap: anyMasks });
    detectMs += performance.now() - t0;
    scores.push(d.score);
    labels.push(f.anomalous);
    perImage.push({ name: basename(f.path), anomalous: f.anomalous, score: d.score, isAnomalous: d.isAnomalous, confidence: d.confidence, anomalyProbability: d.anomalyProbability });
    if (anyMasks && d.map && (!f.anomalous || f.mask)) {
      const trueMask = f.mask ? await readMask(f.mask, binary) : undefined;
      const truth = trueMask
        ? await decodeClassMask(
            trueMask,
            prep,
            classes.map((c) => c.color),
          )
        : new Uint8Array(d.map.data.length);
      pixelScores.push(d.map.data);
      pixelLabels.push(Uint8Array.from(truth, (c) => (c > 0 ? 1 : 0)));
      if (masks && d.mask) await masks.add(d.mask, trueMask, await imageSize(bytes));
    }
    bar?.update(k + 1);
  }
  bar?.stop();
  let pixelAUROC: number | null = null;
  if (pixelScores.length) {
    const total = pixelScores.reduce((n, a) => n + a.length, 0);
    const s = new Float32Array(total);
    const l = new Uint8Array(total);
    let o = 0;
    pixelScores.forEach((a, k) => {
      s.set(a, o);
      l.set(pixelLabels[k]!, o);
      o += a.length;
    });
    pixelAUROC = aurocBinned(s, l);
  }
  const perClass = (masks?.result() ?? []).flatMap(({ class: c, figures }) => (figures ? [{ name: c.name, color: c.color, ...figures }] : []));
  const threshold = (detector.model.head?.calibration ?? detector.model.calibration).threshold;
  // The detector's own verdicts, as the server's evaluation counts them.
  const pr = imageFigures(
    perImage.map((i) => i.isAnomalous),
    labels,
  );
  const anomalyRate = options.lineAnomalyRate ?? 0.07;
  const curve = prCurve(scores, labels);
  const lineAt = (t: number): { precision: number; f1: number } => {
    const c = confusionAt(scores, labels, t);
    return atAnomalyRate(precisionRecall(c).recall, falseAlarmRate(c), anomalyRate);
  };
  const bestF1 = Math.max(0, ...curve.map((p) => lineAt(p.threshold).f1));
  return {
    imageAUROC: auroc(scores, labels),
    f1: pr.f1,
    precision: pr.precision,
    recall: pr.recall,
    threshold,
    falseAlarmRate: pr.falseAlarmRate ?? 0,
    expectedFalseAlarmRate: m.expectedFalseAlarmRate,
    expectedRecall: m.expectedRecall,
    line: { anomalyRate, ...lineAt(threshold), bestF1 },
    probabilityCalibrationError: expectedCalibrationError(
      perImage.map((i) => i.anomalyProbability),
      labels,
    ),
    pixelAUROC,
    trainSeconds: m.trainSeconds,
    trainTimings: m.timings,
    msPerImage: detectMs / testFiles.length,
    seed,
    trainingSeed,
    trainImages: { normal: m.normalImages, anomaly: m.anomalousImages },
    testImages: { normal: testFiles.filter((f) => !f.anomalous).length, anomaly: testFiles.filter((f) => f.anomalous).length },
    resolution: `${prep.width}x${prep.height}`,
    bankSize: m.bankSize,
    coresetCandidates: m.coresetCandidates,
    heldOutNormals: m.heldOutNormals,
    featureDim: m.featureDim,
    reweight: m.reweight,
    globalScore: m.globalScore,
    augmentation: options.augment ?? 'none',
    head: m.head,
    search: m.search ?? null,
    tiles: prep.tiles ? prep.tiles.xs.length * prep.tiles.ys.length : 1,
    perClass,
    prCurve: curve,
    images: perImage,
  };
}

/** Mean |observed anomaly share − mean probability| over 10 equal-width probability bins, weighted by their images. */
function expectedCalibrationError(probabilities: number[], labels: boolean[]): number {
  const bins = Array.from({ length: 10 }, () => ({ n: 0, p: 0, positives: 0 }));
  probabilities.forEach((p, i) => {
    const b = bins[Math.min(9, Math.floor(p * 10))]!;
    b.n++;
    b.p += p;
    if (labels[i]) b.positives++;
  });
  return bins.reduce((e, b) => e + (b.n ? Math.abs(b.positives - b.p) : 0), 0) / Math.max(1, probabilities.length);
}

export async function evalCommand(options: EvalOptions): Promise<void> {
  const report = await evaluate(options, options.json ? () => {} : (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatEvalReport(report));
}
