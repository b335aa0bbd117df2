/*
 * Training: a pure function from labeled images (+ options) to artifact bytes and training metrics, so it
 * runs the same in the main thread, a worker thread or `vigil eval`.
 */
import { anomalyMap, type ScoreMap } from './anomalyMap.js';
import { crossValidatedLogits, fitLogistic, headLogit, headStatistics, selectHead, type HeadModel } from './anomalyHead.js';
import { backboneInfo, loadBackbone, type FeatureMap } from './components/backbone.js';
import { calibrate, expectedRecallAt, falseAlarmRateAt, type Calibration } from './calibration.js';
import { chooseResolution, decodeForModel, featuresOf, typicalSize, type Preprocessing } from './features.js';
import { DEFAULT_SEARCH_SECONDS, resolutionCandidates, SEARCH_CRITERION, SELECTION_MARGIN, type SearchTrial } from './resolutionSearch.js';
import { ALL_AUGMENTATIONS, decodeClassMask, TILT_AUGMENTATIONS, type Augmentation } from './components/image.js';
import { auroc, aurocBinned, confusionAt, f1MaxThreshold, precisionRecall } from './metrics.js';
import { decodeModel, encodeModel, type ModelState } from './model.js';
import { makeBank, nearest } from './components/nearest.js';
import { bankNeighbours, buildMemoryBankFrom, DEFAULT_BANK_OPTIONS, gatherPatches, imageScore, maxScore, REWEIGHT_NEIGHBOURS, samplePatchIndices, scorePatches, type BankOptions, type MemoryBank, type Reweighting } from './patchcore.js';
import { PatchReservoir } from './components/patchReservoir.js';
import { fitPca, projectPca, type Pca } from './components/pca.js';
import { Rng } from './components/random.js';
import { descriptorDim, fuseScores, globalDescriptor, globalDistance, robustScale, type GlobalDescriptorKind, type GlobalScoring } from './globalScore.js';
import { buildClassBank, cellClasses, type AnomalyClass } from './segmentation.js';
import { applyBorderScale, fitBorderScale } from './borderScale.js';
import { subtractScoreLevel } from './scoreLevel.js';

/** The training set cannot make a model (too few images of a kind); nothing was trained. */
export class TrainingDataError extends Error {
  override readonly name = 'TrainingDataError';
}

/**
 * Image bytes, or a function that reads them when training gets to the image: a large training set streams
 * through, each image read (once per working resolution tried) and dropped after its features are taken.
 */
export type ImageBytes = Uint8Array | (() => Promise<Uint8Array>);

export interface TrainingImage {
  /** PNG or JPEG bytes. */
  bytes: ImageBytes;
  anomalous: boolean;
  /** Segmentation mask (PNG, classes painted in their colours) for anomalous images. */
  mask?: ImageBytes;
  /** For messages only. */
  name?: string;
}

export interface TrainProgress {
  stage: 'features' | 'coreset' | 'scoring' | 'calibration';
  done: number;
  total: number;
}

export type AugmentationKind = 'none' | 'tilt' | 'any-orientation';

const AUGMENTATIONS: Record<AugmentationKind, readonly Augmentation[]> = { none: ['none'], tilt: TILT_AUGMENTATIONS, 'any-orientation': ALL_AUGMENTATIONS };
export const AUGMENTATION_KINDS = Object.keys(AUGMENTATIONS) as readonly AugmentationKind[];

/**
 * What the images show: `part` (an object, usually on a plain background) or `texture` (a cropped surface:
 * grain, exposure and cut edges vary from image to image), which scores the border rings on their own scale
 * and measures each image's patch scores from its level (on magtile-dev 0.621 → 0.796 image AUROC, pixel
 * 0.916 → 0.951; docs/detection-engine.md).
 */
export const SURFACE_KINDS = ['part', 'texture'] as const;
export type SurfaceKind = (typeof SURFACE_KINDS)[number];

export interface TrainOptions {
  /** Anomaly classes painted in the masks (segmentation projects). */
  classes?: AnomalyClass[];
  /** Longer side of the working resolution (default: from the images' size, see features.ts). */
  resolution?: number;
  /** Patch features are projected onto this many principal directions (0: keep all 816). Default 128. */
  featureDim?: number;
  /** Gaussian σ of the anomaly map in working-resolution pixels (default 4, as in PatchCore). */
  mapSigma?: number;
  /** Memory bank: coreset ratio and bounds. */
  bank?: Partial<BankOptions>;
  /**
   * Extra views of the normal images in the bank: 'tilt' (±5° and ±10°, parts placed at slightly varying
   * angles) or 'any-orientation' (flips and 90° rotations). Default none (see docs/detection-engine.md for the figures).
   */
  augment?: AugmentationKind;
  /** Use labeled anomalies to learn a scoring head (kept only when it cross-validates better). Default true. */
  useAnomalies?: boolean;
  /**
   * Re-weight the image score by the nearest bank entry's neighbourhood (PatchCore eq. 7, b = 9; see
   * patchcore.ts). Default DEFAULT_REWEIGHT (see docs/detection-engine.md for the side-by-side figures that decided it).
   */
  reweight?: boolean;
  /**
   * Image-level (global) score fused with the patch score (see globalScore.ts): 'pyramid' (1×1 + 2×2 mean
   * pooled patch features), 'mean' (1×1 only) or 'none'. Default DEFAULT_GLOBAL_SCORE (docs/detection-engine.md has the
   * side-by-side figures that decided it).
   */
  globalScore?: GlobalDescriptorKind | 'none';
  /** Images held out for calibration (F1-max threshold); default: leave-one-out scores of the training set. */
  validation?: TrainingImage[];
  /** Training-time budget (seconds) of the search over working resolutions (default DEFAULT_SEARCH_SECONDS). */
  searchSeconds?: number;
  /** What the images show (default part); `texture` changes the defaults of borderScale and levelScores. */
  surface?: SurfaceKind;
  /** Score the grid's border rings on their own scale (borderScale.ts). Default DEFAULT_BORDER_SCALE. */
  borderScale?: boolean;
  /** Measure each image's patch scores from its median cell (scoreLevel.ts). Default DEFAULT_LEVEL_SCORES. */
  levelScores?: boolean;
  /**
   * Training normals scored leave-one-out for calibration, the head and the pixel threshold: all of them up to
   * this many, else this many chosen at random with the seed (scoring cost bounded). Default MAX_HELD_OUT_NORMALS.
   */
  heldOutNormals?: number;
  /** Runtime threads (default 1). */
  threads?: number;
  /** Where the converted backbone may be cached between processes. */
  cacheDir?: string;
  seed?: number;
  onProgress?: (p: TrainProgress) => void;
}

export interface TrainMetrics {
  normalImages: number;
  anomalousImages: number;
  preprocessing: Preprocessing;
  bankSize: number;
  /** Patches of the normal images (all views), and how many of them were the coreset's candidates. */
  patches: number;
  coresetCandidates: number;
  /** Training normals scored leave-one-out (all of them up to `heldOutNormals`). */
  heldOutNormals: number;
  /** Dimension of the scored patch features, and the share of variance it keeps. */
  featureDim: number;
  explainedVariance: number;
  calibrationMethod: Calibration['method'];
  /** Default score threshold. */
  threshold: number;
  /** At that threshold: estimated share of good parts flagged, and share of held-out labeled anomalies caught (null: none). */
  expectedFalseAlarmRate: number;
  expectedRecall: number | null;
  /** On the calibration scores (leave-one-out on the training set, or the validation images). */
  calibrationAUROC: number;
  /** Pixel AUROC of the smoothed maps on the calibration images with masks (held-out normals, masked anomalies); null without masks. */
  calibrationPixelAUROC: number | null;
  precision: number;
  recall: number;
  f1: number;
  /** The working resolutions the search tried and their score on the training data (absent: no search, see resolutionSearch.ts). */
  search?: { criterion: typeof SEARCH_CRITERION; trials: SearchTrial[] };
  /** Whether the image score is re-weighted (PatchCore eq. 7). */
  reweight: boolean;
  /** The global descriptor fused with the patch score ('none': patch score alone). */
  globalScore: GlobalDescriptorKind | 'none';
  /** Whether the labeled-anomaly head is used, and the cross-validated figures that decided it. */
  head: { used: boolean; patchcoreAUROC: number; headAUROC: number } | null;
  trainSeconds: number;
  /** Seconds per stage. */
  timings: { features: number; pca: number; coreset: number; scoring: number; calibration: number };
}

export interface TrainResult {
  artifact: Uint8Array;
  metrics: TrainMetrics;
}

export const MAP_SIGMA = 4;
export const DEFAULT_FEATURE_DIM = 128;
const PCA_SAMPLES = 20_000;
/** Normal images whose patches the principal subspace is fitted on. */
const PCA_FIT_IMAGES = 32;
const HEAD_TOP_K = 10;
/**
 * Training normals scored leave-one-out at most (a seeded random subset beyond): enough for a threshold and
 * a robust scale, while scoring stays bounded however many images there are.
 */
export const MAX_HELD_OUT_NORMALS = 200;
/** Images whose headers give the typical size (a seeded random subset of larger sets). */
const TYPICAL_SIZE_SAMPLE = 256;
/**
 * Image-score re-weighting by default? Rule fixed before the side-by-side run (docs/detection-engine.md): on only if it is
 * not worse than 0.002 image AUROC on any dataset/seed of bench/ml.ts --reweight and better on their average.
 * It was worse on aliens seed 1 (0.984 vs 0.991) and the circuit boards (0.938 vs 0.953): off.
 */
export const DEFAULT_REWEIGHT = false;
/**
 * Global score fused with the patch score by default? Rule fixed before the side-by-side run (globalScore.ts,
 * docs/detection-engine.md): on only if no dataset/seed row of bench/ml.ts --global is worse by more than 0.002 image AUROC
 * and the mean over the six rows is better. Both descriptors failed it (pyramid: aliens seed 3 0.989 vs 0.998,
 * circuit boards 0.868 vs 0.953; mean: 0.984 and 0.930): off.
 */
export const DEFAULT_GLOBAL_SCORE: GlobalDescriptorKind | 'none' = 'none';
/**
 * Border rings on their own scale by default? Rule fixed before the side-by-side run (bench/ml.ts --border): on
 * only if magtile-dev's image AUROC rises and no other row is worse by more than 0.002 image AUROC. Magtile-dev
 * rose from 0.601 to 0.772, but the casting was worse (0.944 → 0.938 at the 480 px the search then chose; 0.978
 * → 0.968 at 288 px, the default once that search was removed): off; `borderScale: true` opts in.
 */
export const DEFAULT_BORDER_SCALE = false;
/**
 * Patch scores measured from each image's median cell by default? Rule fixed before the side-by-side run
 * (bench/ml.ts --level): on only if magtile-dev's image AUROC rises and no other row is worse by more than 0.002.
 * Magtile-dev fell (0.621 → 0.598), aliens seed 1 (0.991 → 0.984) and the circuit boards (0.953 → 0.943) were
 * worse: off. With the border scale it lifts magtile-dev (0.766 → 0.796), so textures opt in to both.
 */
export const DEFAULT_LEVEL_SCORES = false;
/** Neighbour lists kept at training for leave-one-out scoring (spares for the excluded image's entries). */
const REWEIGHT_TRAIN_WIDTH = 4 * (REWEIGHT_NEIGHBOURS - 1);
const ANOMALY_BANK_PER_IMAGE = 10;

interface Extracted {
  features: FeatureMap;
  image: { anomalous: boolean; mask?: Uint8Array; name?: string };
  /** Training normals: the image's index among the normals (its bank entries' source). */
  source?: number;
}

const bytesOf = (b: ImageBytes): Promise<Uint8Array> => (typeof b === 'function' ? b() : Promise.resolve(b));

/** Up to `count` indices out of `total`, chosen at random with the seed, ascending (all of them when they fit). */
function seededSubset(total: number, count: number, seed: number): number[] {
  const all = Array.from({ length: total }, (_, i) => i);
  return total <= count ? all : new Rng(seed).shuffle(all).slice(0, count).sort((a, b) => a - b);
}

export async function train(images: readonly TrainingImage[], options: TrainOptions = {}): Promise<TrainResult> {
  const started = performance.now();
  if (images.filter((i) => !i.anomalous).length < 2) throw new TrainingDataError('training needs at least 2 normal images');
  if (options.globalScore !== undefined && !['none', 'pyramid', 'mean'].includes(options.globalScore)) throw new RangeError(`globalScore must be none, pyramid or mean (not ${String(options.globalScore)})`);
  if (options.augment !== undefined && !AUGMENTATION_KINDS.includes(options.augment)) throw new RangeError(`augment must be ${AUGMENTATION_KINDS.join(', ')} (not ${String(options.augment)})`);
  if (options.validation?.length && !options.validation.some((v) => !v.anomalous)) throw new TrainingDataError('validation images must include normal images');
  const info = backboneInfo();
  const sized = seededSubset(images.length, TYPICAL_SIZE_SAMPLE, (options.seed ?? 0) + 5).map((k) => images[k]!);
  const size = await typicalSize(sized.map((i) => () => bytesOf(i.bytes)));
  const prepAt = (longSide: number | undefined): Preprocessing => chooseResolution(size.width, size.height, { longSide, sizeMultiple: info.sizeMultiple });
  const maskedAnomalies = [...images, ...(options.validation ?? [])].filter((i) => i.anomalous && i.mask).length;
  const candidates = options.resolution === undefined ? resolutionCandidates((options.classes?.length ?? 0) > 0, maskedAnomalies, prepAt(undefined), size, info.sizeMultiple) : undefined;
  if (!candidates) return trainAt(images, options, prepAt(options.resolution), started);
  // The search (resolutionSearch.ts): only the chosen resolution is trained again with the extra views.
  const budget = options.searchSeconds ?? DEFAULT_SEARCH_SECONDS;
  const augmented = (options.augment ?? 'none') !== 'none';
  let best: { result: TrainResult; score: number } | undefined;
  const trials: SearchTrial[] = [];
  for (const prep of candidates) {
    const elapsed = (performance.now() - started) / 1000;
    const last = trials.at(-1);
    // Skip what would overrun the budget, judging by the last trial scaled by pixel count.
    if (last && elapsed + last.seconds * ((prep.width * prep.height) / (last.width * last.height)) > budget) continue;
    const result = await trainAt(images, { ...options, augment: 'none' }, prep, performance.now());
    const score = result.metrics.calibrationPixelAUROC ?? NaN;
    trials.push({ width: prep.width, height: prep.height, score, seconds: result.metrics.trainSeconds });
    if (!best || score > best.score + SELECTION_MARGIN) best = { result, score };
  }
  const chosen = augmented ? await trainAt(images, options, best!.result.metrics.preprocessing, performance.now()) : best!.result;
  chosen.metrics.search = { criterion: SEARCH_CRITERION, trials };
  chosen.metrics.trainSeconds = (performance.now() - started) / 1000;
  // The artifact records what was tried, for people reading it later.
  const state = decodeModel(chosen.artifact);
  return { ...chosen, artifact: encodeModel({ ...state, training: { ...state.training, search: chosen.metrics.search } }) };
}

async function trainAt(images: readonly TrainingImage[], options: TrainOptions, prep: Preprocessing, started: number): Promise<TrainResult> {
  const threads = options.threads ?? 1;
  const seed = options.seed ?? 0;
  const classes = options.classes ?? [];
  const normals = images.filter((i) => !i.anomalous);
  const anomalies = images.filter((i) => i.anomalous);
  const progress = options.onProgress ?? (() => {});

  const backbone = await loadBackbone({ threads, cacheDir: options.cacheDir });
  const augmentations = AUGMENTATIONS[options.augment ?? 'none'];
  const validation = options.validation ?? [];

  // 1. Features (normals with their augmented copies for the bank), projected onto the principal subspace
  //    of the first PCA_FIT_IMAGES normals as soon as it is known. The images stream through: each normal's
  //    patches are offered to the coreset's bounded candidate sample and dropped, except for the normals
  //    scored leave-one-out below (at most heldOutNormals), so memory does not grow with the image count.
  const timings = { features: 0, pca: 0, coreset: 0, scoring: 0, calibration: 0 };
  const featureDim = options.featureDim ?? DEFAULT_FEATURE_DIM;
  const usePca = featureDim > 0 && featureDim < backbone.info.channels;
  let pca: Pca | undefined;
  const reduce = async (m: FeatureMap): Promise<FeatureMap> => (pca ? { ...m, channels: pca.outDim, data: await projectPca(pca, m.data, threads) } : m);
  const reduceAll = async (maps: FeatureMap[]): Promise<FeatureMap[]> => {
    const out: FeatureMap[] = [];
    for (const m of maps) out.push(await reduce(m));
    return out;
  };
  const total = images.length + validation.length;
  let done = 0;
  const extract = async (image: TrainingImage, augs: readonly Augmentation[]): Promise<FeatureMap[]> => {
    const decoded = await decodeForModel(await bytesOf(image.bytes), prep);
    const maps: FeatureMap[] = [];
    for (const a of augs) maps.push(await reduce(await featuresOf(backbone, decoded, a, prep)));
    progress({ stage: 'features', done: ++done, total });
    return maps;
  };
  const bankOptions = { ...DEFAULT_BANK_OPTIONS, seed, ...options.bank };
  const globalKind = options.globalScore ?? DEFAULT_GLOBAL_SCORE;
  const heldOut = new Set(seededSubset(normals.length, options.heldOutNormals ?? MAX_HELD_OUT_NORMALS, seed + 11));
  let reservoir: PatchReservoir | undefined;
  // Global descriptors of every bank view (small: one vector per view) and their images.
  const descriptorList: Float32Array[] = [];
  const bankSources: number[] = [];
  const normalFeatures: Extracted[] = [];
  let plainPatches = 0;
  // The first normals' maps wait for the principal subspace (fitted on them), then everything streams.
  let waiting: Array<{ maps: FeatureMap[]; k: number }> = [];
  const admit = (maps: FeatureMap[], k: number): void => {
    reservoir ??= new PatchReservoir(bankOptions.maxCandidates, maps[0]!.channels, bankOptions.seed + 7);
    for (const m of maps) {
      reservoir.add(m, k);
      bankSources.push(k);
      if (globalKind !== 'none') descriptorList.push(globalDescriptor(m, globalKind));
    }
    plainPatches += maps[0]!.width * maps[0]!.height;
    if (heldOut.has(k)) normalFeatures.push({ features: maps[0]!, image: { anomalous: false, name: normals[k]!.name }, source: k });
  };
  const fitImages = Math.min(normals.length, PCA_FIT_IMAGES);
  for (const [k, image] of normals.entries()) {
    const maps = await extract(image, augmentations);
    if (!usePca) admit(maps, k);
    else if (pca) admit(maps, k); // already projected by extract
    else {
      waiting.push({ maps, k });
      if (k + 1 === fitImages) {
        const fitStart = performance.now();
        const fitMaps = waiting.flatMap((w) => w.maps);
        const fitSources = waiting.flatMap((w) => w.maps.map(() => w.k));
        const count = fitMaps.reduce((n, m) => n + m.width * m.height, 0);
        const sample = gatherPatches(fitMaps, fitSources, samplePatchIndices(count, PCA_SAMPLES, seed + 3));
        pca = await fitPca(sample.data, sample.dim, featureDim, { seed, threads, maxSamples: PCA_SAMPLES });
        for (const w of waiting) admit(await reduceAll(w.maps), w.k);
        waiting = [];
        timings.pca = (performance.now() - fitStart) / 1000;
      }
    }
  }
  const loaded = async (image: TrainingImage): Promise<Extracted> => ({
    features: (await extract(image, ['none']))[0]!,
    image: { anomalous: image.anomalous, mask: image.mask === undefined ? undefined : await bytesOf(image.mask), name: image.name },
  });
  const anomalyFeatures: Extracted[] = [];
  for (const image of anomalies) anomalyFeatures.push(await loaded(image));
  const validationFeatures: Extracted[] = [];
  for (const image of validation) validationFeatures.push(await loaded(image));

  let mark = performance.now();
  const lap = (stage: keyof typeof timings): void => {
    const now = performance.now();
    timings[stage] += (now - mark) / 1000;
    mark = now;
  };
  timings.features = (mark - started) / 1000 - timings.pca;

  // 3. Memory bank.
  progress({ stage: 'coreset', done: 0, total: 1 });
  // Augmented copies add views, not new parts: the bank grows to twice the plain bank, not eightfold.
  const ratioBasis = augmentations.length > 1 ? 2 * plainPatches : undefined;
  const memory = await buildMemoryBankFrom(reservoir!, { ...bankOptions, ratioBasis, ...options.bank }, threads);
  let reweighting: Reweighting | undefined;
  if (options.reweight ?? DEFAULT_REWEIGHT) {
    const width = Math.min(REWEIGHT_TRAIN_WIDTH, memory.bank.size - 1);
    reweighting = { b: REWEIGHT_NEIGHBOURS, width, neighbours: await bankNeighbours(memory.bank, width, threads) };
  }
  progress({ stage: 'coreset', done: 1, total: 1 });
  const patches = reservoir!.total;
  lap('coreset');

  // 4. Held-out scores: the held-out training normals against the bank without their own patches.
  const scoring = normalFeatures.length + anomalyFeatures.length + validationFeatures.length;
  let scored = 0;
  // Image scores as detection computes them (border rings scaled, levelled, re-weighted or not), leave-one-out for the
  // training normals; the border scale is fitted on the normals' grids before any image score is taken.
  const imageScores = new Map<ScoreMap, number>();
  const pending: Array<() => void> = [];
  const grids = async (list: Extracted[]): Promise<ScoreMap[]> => {
    const out: ScoreMap[] = [];
    for (const e of list) {
      const { grid, nearestIndex } = await scorePatches(e.features, memory, { threads, excludeSource: e.source });
      pending.push(() => imageScores.set(grid, imageScore(grid, nearestIndex, e.features.data, memory.bank, reweighting, e.source === undefined ? undefined : { source: memory.source, id: e.source })));
      out.push(grid);
      progress({ stage: 'scoring', done: ++scored, total: scoring });
    }
    return out;
  };
  const normalGrids = await grids(normalFeatures);
  const anomalyGrids = await grids(anomalyFeatures);
  const validationGrids = await grids(validationFeatures);
  const texture = options.surface === 'texture';
  const borderScale = (options.borderScale ?? (texture || DEFAULT_BORDER_SCALE)) ? fitBorderScale(normalGrids) : undefined;
  if (borderScale) for (const g of [...normalGrids, ...anomalyGrids, ...validationGrids]) applyBorderScale(g, borderScale);
  const levelScores = options.levelScores ?? (texture || DEFAULT_LEVEL_SCORES);
  if (levelScores) for (const g of [...normalGrids, ...anomalyGrids, ...validationGrids]) subtractScoreLevel(g);
  for (const score of pending) score();
  // Global score (optional): nearest training-normal descriptor, leave-one-out for the training normals
  // (their augmented copies excluded too); both scores standardised on the held-out normals, then fused.
  let globalScoring: GlobalScoring | undefined;
  if (globalKind !== 'none') {
    const gdim = descriptorDim(globalKind, memory.bank.dim);
    const descriptors = new Float32Array(descriptorList.length * gdim);
    descriptorList.forEach((d, i) => descriptors.set(d, i * gdim));
    const globalOf = (e: Extracted): number => globalDistance(globalDescriptor(e.features, globalKind), descriptors, gdim, bankSources, e.source);
    const normalGlobal = normalFeatures.map((e) => globalOf(e));
    globalScoring = {
      kind: globalKind,
      dim: gdim,
      descriptors,
      patch: robustScale(normalGrids.map((g) => imageScores.get(g)!)),
      global: robustScale(normalGlobal),
    };
    const g = globalScoring;
    normalGrids.forEach((grid, k) => imageScores.set(grid, fuseScores(imageScores.get(grid)!, normalGlobal[k]!, g)));
    anomalyGrids.forEach((grid, k) => imageScores.set(grid, fuseScores(imageScores.get(grid)!, globalOf(anomalyFeatures[k]!), g)));
    validationGrids.forEach((grid, k) => imageScores.set(grid, fuseScores(imageScores.get(grid)!, globalOf(validationFeatures[k]!), g)));
  }
  const scoreOf = (g: ScoreMap): number => imageScores.get(g)!;

  lap('scoring');

  // 5. The labeled-anomaly head.
  progress({ stage: 'calibration', done: 0, total: 1 });
  const trainGrids = [...normalGrids, ...anomalyGrids];
  const trainExtracted = [...normalFeatures, ...anomalyFeatures];
  const trainLabels = trainExtracted.map((e) => e.image.anomalous);
  const trainScores = trainGrids.map(scoreOf);
  let head: HeadModel | undefined;
  let headScores: number[] = [];
  let headReport: TrainMetrics['head'] = null;
  if ((options.useAnomalies ?? true) && anomalyFeatures.length >= 4 && normalFeatures.length >= 4) {
    const anomalyBank = await topPatchBank(anomalyFeatures, anomalyGrids);
    const stats: number[][] = [];
    for (const [k, e] of trainExtracted.entries()) {
      const own = e.image.anomalous ? k - normalFeatures.length : -1;
      const penalty = new Float32Array(anomalyBank.source.length);
      for (let j = 0; j < penalty.length; j++) if (anomalyBank.source[j] === own) penalty[j] = Infinity;
      const toAnomalies = await nearest(e.features.data, anomalyBank.bank, { threads, penalty });
      stats.push(headStatistics(trainGrids[k]!.data, toAnomalies.distance, HEAD_TOP_K));
    }
    const selection = selectHead(stats, trainScores, trainLabels, seed);
    headReport = { used: selection.keep, patchcoreAUROC: selection.patchcoreAUROC, headAUROC: selection.headAUROC };
    if (selection.keep) {
      const fitted = fitLogistic(stats, trainLabels);
      const folds = Math.min(5, anomalyFeatures.length, normalFeatures.length);
      // Calibrate the head on out-of-fold logits (in-sample logits would be overconfident).
      const oof = crossValidatedLogits(stats, trainLabels, folds, seed);
      head = { ...fitted, topK: HEAD_TOP_K, anomalyBank: anomalyBank.bank, calibration: calibrate(oof, trainLabels) };
      headScores = oof;
      if (validationFeatures.length) {
        const vLogits: number[] = [];
        for (const [k, e] of validationFeatures.entries()) {
          const toAnomalies = await nearest(e.features.data, anomalyBank.bank, { threads });
          vLogits.push(headLogit(head, headStatistics(validationGrids[k]!.data, toAnomalies.distance, HEAD_TOP_K)));
        }
        head.calibration = calibrate(vLogits, validationFeatures.map((e) => e.image.anomalous));
        headScores = vLogits;
      }
    }
  }

  // 6. Calibration of PatchCore's score (used directly, or for the map when the head decides).
  const calScores = validationFeatures.length ? validationGrids.map(scoreOf) : trainScores;
  const calLabels = validationFeatures.length ? validationFeatures.map((e) => e.image.anomalous) : trainLabels;
  const calibration = calibrate(calScores, calLabels);

  // 7. Pixel threshold: F1-max over the pixels of masked anomalies (and normals), else the image rule on map maxima.
  const allExtracted = [...trainExtracted, ...validationFeatures];
  const allGrids = [...trainGrids, ...validationGrids];
  const mapSigma = options.mapSigma ?? MAP_SIGMA;
  // Maps are made one image at a time (a working-resolution map per image adds up for large projects).
  const mapOf = (k: number): ScoreMap => anomalyMap(allGrids[k]!, prep.width, prep.height, mapSigma);
  const classColors = classes.map((c) => c.color);
  const masks = new Map<number, Uint8Array>();
  for (const [k, e] of allExtracted.entries()) {
    if (e.image.anomalous && e.image.mask && classes.length) masks.set(k, await decodeClassMask(e.image.mask, prep, classColors));
  }
  let pixelThreshold: number;
  let calibrationPixelAUROC: number | null = null;
  if (masks.size) {
    const pixelScores: number[] = [];
    const pixelLabels: boolean[] = [];
    const stride = 4; // every 4th pixel in each direction is plenty for a threshold
    allExtracted.forEach((e, k) => {
      const mask = masks.get(k);
      if (e.image.anomalous && !mask) return;
      const map = mapOf(k);
      for (let y = 0; y < map.height; y += stride)
        for (let x = 0; x < map.width; x += stride) {
          const i = y * map.width + x;
          pixelScores.push(map.data[i]!);
          pixelLabels.push(mask ? mask[i]! > 0 : false);
        }
    });
    pixelThreshold = f1MaxThreshold(pixelScores, pixelLabels).threshold;
    calibrationPixelAUROC = aurocBinned(Float32Array.from(pixelScores), Uint8Array.from(pixelLabels, (l) => (l ? 1 : 0)));
  } else {
    const maxima = allGrids.map((_, k) => maxScore(mapOf(k)));
    pixelThreshold = calibrate(maxima, allExtracted.map((e) => e.image.anomalous)).threshold;
  }

  // 8. Classes: labeled patches of the masked anomalies.
  const classBank = classes.length > 1
    ? buildClassBank(
        [...masks.entries()].map(([k, mask]) => ({ features: allExtracted[k]!.features, cells: cellClasses(mask, prep.width, prep.height, allExtracted[k]!.features.width, allExtracted[k]!.features.height) })),
        classes.length,
        512,
        seed,
      )
    : undefined;

  const stateTraining = {
    normalImages: normals.length,
    anomalousImages: anomalies.length,
    validationImages: validation.length,
    augmentation: options.augment ?? 'none',
    reweight: Boolean(reweighting),
    globalScore: globalKind,
    borderScale,
    levelScores,
    featureDim: pca ? pca.outDim : backbone.info.channels,
    explainedVariance: pca?.explainedVariance,
    patches,
    seed,
  };
  const state: ModelState = {
    backbone: { id: backbone.info.id, weightHash: backbone.info.weightHash, stride: backbone.info.stride, channels: backbone.info.channels },
    preprocessing: prep,
    mapSigma,
    pca,
    bank: memory.bank,
    // The artifact keeps b − 1 neighbours per entry (the spares only serve leave-one-out scoring here).
    reweighting: reweighting ? trimNeighbours(reweighting, Math.min(reweighting.b - 1, reweighting.width)) : undefined,
    globalScoring,
    calibration,
    borderScale,
    levelScores: levelScores || undefined,
    pixelThreshold,
    classes,
    classBank,
    head,
    training: stateTraining,
  };
  const artifact = encodeModel(state);
  progress({ stage: 'calibration', done: 1, total: 1 });

  lap('calibration');
  // Figures on the calibration images with the scoring actually used (head logits are out-of-fold).
  const reportCal = head ? head.calibration : calibration;
  const reportScores = head ? headScores : calScores;
  const pr = precisionRecall(confusionAt(reportScores, calLabels, reportCal.threshold));
  return {
    artifact,
    metrics: {
      normalImages: normals.length,
      anomalousImages: anomalies.length,
      preprocessing: prep,
      bankSize: memory.bank.size,
      patches,
      coresetCandidates: reservoir!.size,
      heldOutNormals: normalFeatures.length,
      featureDim: memory.bank.dim,
      explainedVariance: pca?.explainedVariance ?? 1,
      calibrationMethod: reportCal.method,
      threshold: reportCal.threshold,
      expectedFalseAlarmRate: falseAlarmRateAt(reportCal, reportCal.threshold),
      expectedRecall: expectedRecallAt(reportCal, reportCal.threshold),
      calibrationAUROC: auroc(reportScores, calLabels),
      calibrationPixelAUROC,
      precision: pr.precision,
      recall: pr.recall,
      f1: pr.f1,
      reweight: Boolean(reweighting),
      globalScore: globalKind,
      head: headReport,
      trainSeconds: (performance.now() - started) / 1000,
      timings,
    },
  };
}

/** The top-scoring patches of each anomalous training image, tagged with their image. */
async function topPatchBank(anomalies: Extracted[], grids: ScoreMap[]): Promise<MemoryBank> {
  const dim = anomalies[0]!.features.channels;
  const source: number[] = [];
  const rows: Float32Array[] = [];
  anomalies.forEach((e, k) => {
    const g = grids[k]!.data;
    const order = Array.from(g.keys()).sort((a, b) => g[b]! - g[a]!).slice(0, ANOMALY_BANK_PER_IMAGE);
    for (const i of order) {
      rows.push(e.features.data.subarray(i * dim, (i + 1) * dim));
      source.push(k);
    }
  });
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, j) => data.set(r, j * dim));
  return { bank: makeBank(data, dim), source: Int32Array.from(source) };
}

/** The first `width` neighbours of each row. */
function trimNeighbours(r: Reweighting, width: number): Reweighting {
  const rows = r.width ? r.neighbours.length / r.width : 0;
  const neighbours = new Int32Array(rows * width);
  for (let j = 0; j < rows; j++) neighbours.set(r.neighbours.subarray(j * r.width, j * r.width + width), j * width);
  return { b: r.b, width, neighbours };
}
