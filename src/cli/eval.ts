/*
 * `vigil eval --train DIR [--test DIR] [--json]`: "would Vigil catch my defects?" before any server.
 * Each DIR holds normal/ and anomaly/ (and optional masks/: one PNG per anomalous image, same base name;
 * optional classes.json: [{"name", "color"}]). Trains, tests, prints image AUROC, F1 / precision / recall at
 * the chosen threshold, pixel AUROC when masks exist, train seconds and ms per image.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import cliProgress from 'cli-progress';
import sharp from 'sharp';
import { decodeClassMask, imageSize } from '../ml/components/image.js';
import { Rng } from '../ml/components/random.js';
import { type AnomalyClass, type AugmentationKind, loadDetector, type SurfaceKind, type TrainingImage, train } from '../ml/index.js';
import { MaskEvaluation } from '../ml/maskEvaluation.js';
import { atAnomalyRate, auroc, aurocBinned, confusionAt, falseAlarmRate, imageFigures, prCurve, precisionRecall } from '../ml/metrics.js';

export interface EvalOptions {
  train: string;
  test?: string;
  json?: boolean;
  /**
   * Seed of the split (without --test) and of training (default 0). The server trains model version N with seed
   * N: `seed: 1` with the same train and test images gives the model, and the figures, of a project's first model.
   */
  seed?: number;
  /** Without --test: fraction of the normals used for training (default 0.5). */
  split?: number;
  /** Without --test: fraction of the anomalies used for training (default 0: train on normals only). */
  trainAnomalies?: number;
  resolution?: number;
  augment?: AugmentationKind;
  useAnomalies?: boolean;
  /** Re-weight the image score (PatchCore eq. 7); default: the engine's. */
  reweight?: boolean;
  /** Border rings of the score grid on their own scale; default: the engine's. */
  borderScale?: boolean;
  /** What the images show ('part' or 'texture'); default part. */
  surface?: SurfaceKind;
  /** Patch scores measured from each image's median cell; default: the engine's. */
  levelScores?: boolean;
  /** Each image's intensity mapped to one mean and spread before the backbone; default: for textures. */
  standardizeIntensity?: boolean;
  /** Global score fused with the patch score: 'pyramid', 'mean' or 'none'; default: the engine's. */
  globalScore?: 'pyramid' | 'mean' | 'none';
  threads?: number;
  coresetRatio?: number;
  featureDim?: number;
  mapSigma?: number;
  coresetDim?: number;
  maxBank?: number;
  /** Anomaly rate the test set is re-weighted to for the line figures (default 0.07). */
  lineAnomalyRate?: number;
  coresetCandidates?: number;
  heldOutNormals?: number;
}

export interface EvalReport {
  imageAUROC: number;
  /** At the model's default threshold, on the test images as they are. */
  f1: number;
  precision: number;
  recall: number;
  threshold: number;
  /** Share of the test normals flagged at that threshold. */
  falseAlarmRate: number;
  /** What training expected at that threshold (held-out training scores; recall null without labeled anomalies). */
  expectedFalseAlarmRate: number;
  expectedRecall: number | null;
  /**
   * The test set re-weighted to a line's anomaly rate (`lineAnomalyRate`, default 7 %): F1 and precision at the
   * default threshold, and the best F1 any threshold could reach there (what the ranking allows).
   */
  line: { anomalyRate: number; f1: number; precision: number; bestF1: number };
  /** Reliability of the anomaly probability on the test images: expected calibration error over 10 equal-width bins. */
  probabilityCalibrationError: number;
  pixelAUROC: number | null;
  trainSeconds: number;
  trainTimings: Record<string, number>;
  msPerImage: number;
  /** The split's seed; null with a test folder. */
  seed: number | null;
  trainingSeed: number;
  trainImages: { normal: number; anomaly: number };
  testImages: { normal: number; anomaly: number };
  resolution: string;
  bankSize: number;
  /** The coreset's candidate patches (all of them up to the bound) and the normals scored leave-one-out. */
  coresetCandidates: number;
  heldOutNormals: number;
  featureDim: number;
  /** Whether the image score was re-weighted (PatchCore eq. 7). */
  reweight: boolean;
  /** The global descriptor fused with the patch score ('none': patch score alone). */
  globalScore: string;
  /** Extra views of the training normals in the bank ('none', 'tilt' or 'any-orientation'). */
  augmentation: AugmentationKind;
  head: { used: boolean; patchcoreAUROC: number; headAUROC: number } | null;
  /** Segmentation projects: the working resolutions tried on the training masks (pixel AUROC each). */
  search: { criterion: string; trials: Array<{ width: number; height: number; score: number; seconds: number }> } | null;
  /** Tiles per image (1: one backbone pass). */
  tiles: number;
  /**
   * Per anomaly class over the test images with masks (segmentation), the returned mask against the true one at
   * the image's size: pixel precision, recall, F1 and IoU over all their pixels, and the mean per-image IoU
   * (EvaluationResult's AIOU) over the `images` whose true mask shows the class.
   */
  perClass: Array<{ name: string; color: string; precision: number; recall: number; f1: number; iou: number; aiou: number; images: number }>;
  /** Precision / recall / F1 at every distinct test score as the threshold. */
  prCurve: Array<{ threshold: number; precision: number; recall: number; f1: number }>;
  /** Per test image: its label, score and verdict. */
  images: Array<{ name: string; anomalous: boolean; score: number; isAnomalous: boolean; confidence: number; anomalyProbability: number }>;
}

export interface LabeledFile {
  path: string;
  anomalous: boolean;
  mask?: string;
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

async function listImages(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir))
    .filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((f) => join(dir, f));
}

async function readDataset(dir: string): Promise<LabeledFile[]> {
  const normal = await listImages(join(dir, 'normal'));
  const anomaly = await listImages(join(dir, 'anomaly'));
  if (!normal.length && !anomaly.length) throw new Error(`${dir} has no images under normal/ or anomaly/`);
  const masksDir = join(dir, 'masks');
  return [
    ...normal.map((path) => ({ path, anomalous: false })),
    ...anomaly.map((path) => {
      const mask = join(masksDir, `${basename(path, extname(path))}.png`);
      return { path, anomalous: true, mask: existsSync(mask) ? mask : undefined };
    }),
  ];
}

/** Class colour given to binary (white on black) masks, which carry one class and no colour of their own. */
const BINARY_MASK_CLASS: AnomalyClass = { name: 'anomaly', color: '#FF0000' };

interface DatasetClasses {
  classes: AnomalyClass[];
  /** The masks are binary: read them with readMask, which paints their white in BINARY_MASK_CLASS's colour. */
  binary: boolean;
}

/** classes.json of a dataset, or the colours found in its masks (one class for binary masks). */
export async function readClasses(dirs: string[], files: LabeledFile[]): Promise<DatasetClasses> {
  for (const d of dirs) {
    const f = join(d, 'classes.json');
    if (existsSync(f)) return { classes: JSON.parse(await readFile(f, 'utf8')) as AnomalyClass[], binary: false };
  }
  const counts = new Map<string, number>();
  let total = 0;
  let white = 0;
  for (const file of files) {
    if (!file.mask) continue;
    const { data, info } = await sharp(file.mask).toColourspace('srgb').ensureAlpha().resize(128, 128, { fit: 'fill', kernel: 'nearest' }).raw().toBuffer({ resolveWithObject: true });
    for (let i = 0; i < info.width * info.height; i++) {
      const [r, g, b, a] = [data[i * 4]!, data[i * 4 + 1]!, data[i * 4 + 2]!, data[i * 4 + 3]!];
      // Greys are a binary mask's intensities (its anti-aliased edges hold every grey level), never class colours.
      if (a < 128 || (r === g && g === b)) {
        if (a >= 128 && r > 127) white++;
        continue;
      }
      const hex = `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`.toUpperCase();
      counts.set(hex, (counts.get(hex) ?? 0) + 1);
      total++;
    }
  }
  const colours = [...counts.entries()]
    .filter(([, n]) => n >= 0.05 * total)
    .sort((a, b) => b[1] - a[1])
    .map(([c]) => c);
  if (!colours.length && white > 0) return { classes: [BINARY_MASK_CLASS], binary: true };
  return { classes: colours.map((color, k) => ({ name: colours.length === 1 ? 'anomaly' : `anomaly-${k + 1}`, color })), binary: false };
}

/** A mask file's bytes; binary masks come back as PNGs with their white (> 127) in the class colour. */
async function readMask(path: string, binary: boolean): Promise<Uint8Array> {
  if (!binary) return new Uint8Array(await readFile(path));
  const { data, info } = await sharp(path).greyscale().raw().toBuffer({ resolveWithObject: true });
  const rgb = Buffer.alloc(info.width * info.height * 3);
  for (let i = 0; i < info.width * info.height; i++) if (data[i * info.channels]! > 127) rgb[i * 3] = 255;
  return new Uint8Array(
    await sharp(rgb, { raw: { width: info.width, height: info.height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

export async function evaluate(options: EvalOptions, log: (line: string) => void = () => {}): Promise<EvalReport> {
  const all = await readDataset(options.train);
  let trainFiles: LabeledFile[];
  let testFiles: LabeledFile[];
  let seed: number | null = null;
  if (options.test) {
    trainFiles = all;
    testFiles = await readDataset(options.test);
  } else {
    seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    const rng = new Rng(seed);
    const normals = rng.shuffle(all.filter((f) => !f.anomalous));
    const anomalies = rng.shuffle(all.filter((f) => f.anomalous));
    const nTrain = Math.max(2, Math.round(normals.length * (options.split ?? 0.5)));
    const aTrain = Math.round(anomalies.length * (options.trainAnomalies ?? 0));
    trainFiles = [...normals.slice(0, nTrain), ...anomalies.slice(0, aTrain)];
    testFiles = [...normals.slice(nTrain), ...anomalies.slice(aTrain)];
    log(`split seed ${seed}: ${nTrain} normal + ${aTrain} anomalous images for training`);
  }
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
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const f = (v: number | null, digits = 3): string => (v === null || Number.isNaN(v) ? 'n/a' : v.toFixed(digits));
  const pct = (v: number): string => `${(100 * v).toFixed(1)} %`;
  process.stdout.write(
    `${[
      `image AUROC   ${f(report.imageAUROC)}`,
      `F1            ${f(report.f1)}  (precision ${f(report.precision)}, recall ${f(report.recall)}, threshold ${f(report.threshold, 4)})`,
      `false alarms  ${pct(report.falseAlarmRate)} of the test normals (training expected ${pct(report.expectedFalseAlarmRate)}${report.expectedRecall === null ? '' : `, recall ${f(report.expectedRecall)}`})`,
      `probability   calibration error ${f(report.probabilityCalibrationError)} (10 bins, test images)`,
      `at ${pct(report.line.anomalyRate)} anomalies  F1 ${f(report.line.f1)}, precision ${f(report.line.precision)} (best threshold: F1 ${f(report.line.bestF1)})`,
      `pixel AUROC   ${f(report.pixelAUROC)}`,
      ...report.perClass.map((c) => `  ${c.name.padEnd(12)} pixel F1 ${f(c.f1)}, IoU ${f(c.iou)}`),
      `train         ${report.trainSeconds.toFixed(1)} s  (${report.trainImages.normal} normal + ${report.trainImages.anomaly} anomalous images, ${report.resolution}, bank ${report.bankSize}${report.augmentation === 'none' ? '' : `, ${report.augmentation} views`})`,
      `detect        ${report.msPerImage.toFixed(1)} ms per image  (${report.testImages.normal} normal + ${report.testImages.anomaly} anomalous test images, 1 thread)`,
      ...(report.seed !== null ? [`split seed    ${report.seed}`] : []),
    ].join('\n')}\n`,
  );
}
