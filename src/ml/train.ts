/*
 * Training: a pure function from labeled images (+ options) to artifact bytes and training metrics, so it
 * runs the same in the main thread, a worker thread or `vigil eval`. train() chooses the working resolution
 * (searching candidates for segmentation projects, resolutionSearch.ts) and trains at it in steps, each in its
 * own file under training/: features (extraction.ts), memory bank (memoryBank.ts), held-out scores
 * (heldOutScoring.ts), labeled-anomaly head (headTraining.ts), calibration (calibration.ts), pixel threshold and
 * classes (pixelCalibration.ts), model and metrics (assembly.ts).
 */
import { calibrate } from './calibration.js';
import { backboneInfo, loadBackbone } from './components/backbone.js';
import { chooseResolution, type Preprocessing, typicalSize } from './features.js';
import { decodeModel, encodeModel } from './model.js';
import { MAX_PATCH_NEIGHBOURS } from './patchcore.js';
import { DEFAULT_SEARCH_SECONDS, resolutionCandidates, SEARCH_CRITERION, SELECTION_MARGIN, type SearchTrial } from './resolutionSearch.js';
import { modelState, type TrainedParts, type TrainResult, type TrainTimings, trainMetrics } from './training/assembly.js';
import { extractTrainingFeatures } from './training/extraction.js';
import { trainHead } from './training/headTraining.js';
import { calibrationImages, scoreHeldOut } from './training/heldOutScoring.js';
import { trainMemoryBank } from './training/memoryBank.js';
import {
  ANOMALY_HEAD_KINDS,
  AUGMENTATION_KINDS,
  bytesOf,
  SURFACE_KINDS,
  seededSubset,
  TEXTURE_INTENSITY,
  TrainingDataError,
  type TrainingImage,
  type TrainOptions,
  withSurfaceDefaults,
} from './training/options.js';
import { calibratePixels } from './training/pixelCalibration.js';

/** Images whose headers give the typical size (a seeded random subset of larger sets). */
const TYPICAL_SIZE_SAMPLE = 256;

export async function train(images: readonly TrainingImage[], given: TrainOptions = {}): Promise<TrainResult> {
  const started = performance.now();
  const options = withSurfaceDefaults(given);
  if (images.filter((i) => !i.anomalous).length < 2) throw new TrainingDataError('training needs at least 2 normal images');
  if (options.globalScore !== undefined && !['none', 'pyramid', 'mean'].includes(options.globalScore))
    throw new RangeError(`globalScore must be none, pyramid or mean (not ${String(options.globalScore)})`);
  if (options.augment !== undefined && !AUGMENTATION_KINDS.includes(options.augment)) throw new RangeError(`augment must be ${AUGMENTATION_KINDS.join(', ')} (not ${String(options.augment)})`);
  if (options.surface !== undefined && !SURFACE_KINDS.includes(options.surface)) throw new RangeError(`surface must be ${SURFACE_KINDS.join(', ')} (not ${String(options.surface)})`);
  const k = options.patchNeighbours;
  if (k !== undefined && !(Number.isInteger(k) && k >= 1 && k <= MAX_PATCH_NEIGHBOURS))
    throw new RangeError(`patchNeighbours must be a whole number from 1 to ${MAX_PATCH_NEIGHBOURS} (not ${String(k)})`);
  if (options.anomalyHead !== undefined && !ANOMALY_HEAD_KINDS.includes(options.anomalyHead))
    throw new RangeError(`anomalyHead must be ${ANOMALY_HEAD_KINDS.join(', ')} (not ${String(options.anomalyHead)})`);
  if (options.validation?.length && !options.validation.some((v) => !v.anomalous)) throw new TrainingDataError('validation images must include normal images');
  const info = backboneInfo();
  const sized = seededSubset(images.length, TYPICAL_SIZE_SAMPLE, (options.seed ?? 0) + 5).map((k) => images[k]!);
  const size = await typicalSize(sized.map((i) => () => bytesOf(i.bytes)));
  const intensity = options.standardizeIntensity ? TEXTURE_INTENSITY : undefined;
  const withIntensity = (prep: Preprocessing): Preprocessing => (intensity ? { ...prep, intensity } : prep);
  const prepAt = (longSide: number | undefined): Preprocessing => withIntensity(chooseResolution(size.width, size.height, { longSide, sizeMultiple: info.sizeMultiple }));
  const maskedAnomalies = [...images, ...(options.validation ?? [])].filter((i) => i.anomalous && i.mask).length;
  const candidates =
    options.resolution === undefined ? resolutionCandidates((options.classes?.length ?? 0) > 0, maskedAnomalies, prepAt(undefined), size, info.sizeMultiple)?.map(withIntensity) : undefined;
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
  const progress = options.onProgress ?? (() => {});
  const backbone = await loadBackbone({ threads: options.threads ?? 1, cacheDir: options.cacheDir });
  const timings: TrainTimings = { features: 0, pca: 0, coreset: 0, scoring: 0, calibration: 0 };

  // 1. Features (normals with their augmented views for the bank), projected onto the principal subspace.
  const features = await extractTrainingFeatures(images, options, prep, backbone);
  timings.pca = features.pcaSeconds;
  let mark = performance.now();
  const lap = (stage: keyof TrainTimings): void => {
    const now = performance.now();
    timings[stage] += (now - mark) / 1000;
    mark = now;
  };
  timings.features = (mark - started) / 1000 - timings.pca;

  // 2. Memory bank.
  const bank = await trainMemoryBank(features, options);
  lap('coreset');

  // 3. Held-out scores: the held-out training normals against the bank without their own patches.
  const scores = await scoreHeldOut(features, bank, options);
  lap('scoring');

  // 4. The labeled-anomaly head.
  progress({ stage: 'calibration', done: 0, total: 1 });
  const head = await trainHead(scores, options);

  // 5. Calibration of PatchCore's score (used directly, or for the map when the head decides).
  const calibrationSet = calibrationImages(scores);
  const calibration = calibrate(calibrationSet.scores, calibrationSet.labels);

  // 6. Pixel threshold and anomaly classes.
  const pixels = await calibratePixels(scores, prep, options);

  // 7. The artifact and the metrics.
  const parts: TrainedParts = {
    images: { normal: images.filter((i) => !i.anomalous).length, anomalous: images.filter((i) => i.anomalous).length, validation: options.validation?.length ?? 0 },
    options,
    backbone: backbone.info,
    preprocessing: prep,
    features,
    bank,
    scores,
    head,
    calibration,
    pixels,
  };
  const artifact = encodeModel(modelState(parts));
  progress({ stage: 'calibration', done: 1, total: 1 });
  lap('calibration');
  return { artifact, metrics: trainMetrics(parts, timings, started) };
}
