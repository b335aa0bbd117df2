/*
 * Held-out scores: every training image scored against the bank as detection scores it (border rings scaled,
 * levelled, re-weighted, fused with the global score, as the options say), the training normals leave-one-out
 * (their own bank entries, and for the global score their own views, excluded). Calibration, the head and the
 * pixel threshold all learn from these scores, so no separate validation set is needed.
 */
import type { ScoreMap } from '../anomalyMap.js';
import { applyBorderScale, fitBorderScale } from '../borderScale.js';
import { descriptorDim, fuseScores, type GlobalScoring, globalDescriptor, globalDistance, robustScale } from '../globalScore.js';
import { imageScore, scorePatches } from '../patchcore.js';
import { subtractScoreLevel } from '../scoreLevel.js';
import type { Extracted, TrainingFeatures } from './extraction.js';
import type { TrainedBank } from './memoryBank.js';
import { DEFAULT_BORDER_SCALE, DEFAULT_GLOBAL_SCORE, DEFAULT_LEVEL_SCORES, type TrainOptions } from './options.js';

/** Images with their patch-score grids, image scores and labels, in the same order. */
export interface ScoredImages {
  images: Extracted[];
  grids: ScoreMap[];
  scores: number[];
  labels: boolean[];
}

export interface HeldOutScores {
  /** The held-out training normals, then the labeled anomalies. */
  training: ScoredImages;
  /** How many of `training` are normals (they come first). */
  normals: number;
  validation: ScoredImages;
  /** Fitted on the normals' grids (absent: not used). */
  borderScale?: number[];
  levelScores: boolean;
  /** Bank entries a patch score averages over (1: the nearest). */
  patchNeighbours: number;
  globalScoring?: GlobalScoring;
}

export async function scoreHeldOut(features: TrainingFeatures, { memory, reweighting }: TrainedBank, options: TrainOptions): Promise<HeldOutScores> {
  const threads = options.threads ?? 1;
  const progress = options.onProgress ?? (() => {});
  const globalKind = options.globalScore ?? DEFAULT_GLOBAL_SCORE;
  const normalFeatures = features.heldOutNormals;
  const anomalyFeatures = features.anomalies;
  const validationFeatures = features.validation;
  const patchNeighbours = options.patchNeighbours ?? 1;

  const scoring = normalFeatures.length + anomalyFeatures.length + validationFeatures.length;
  let scored = 0;
  // Image scores as detection computes them (border rings scaled, levelled, re-weighted or not), leave-one-out for the
  // training normals; the border scale is fitted on the normals' grids before any image score is taken.
  const imageScores = new Map<ScoreMap, number>();
  const pending: Array<() => void> = [];
  const grids = async (list: Extracted[]): Promise<ScoreMap[]> => {
    const out: ScoreMap[] = [];
    for (const e of list) {
      const { grid, nearestIndex } = await scorePatches(e.features, memory, { threads, excludeSource: e.source, neighbours: patchNeighbours });
      pending.push(() =>
        imageScores.set(grid, imageScore(grid, nearestIndex, e.features.data, memory.bank, reweighting, e.source === undefined ? undefined : { source: memory.source, id: e.source })),
      );
      out.push(grid);
      progress({ stage: 'scoring', done: ++scored, total: scoring });
    }
    return out;
  };
  const normalGrids = await grids(normalFeatures);
  const anomalyGrids = await grids(anomalyFeatures);
  const validationGrids = await grids(validationFeatures);
  const borderScale = (options.borderScale ?? DEFAULT_BORDER_SCALE) ? fitBorderScale(normalGrids) : undefined;
  if (borderScale) for (const g of [...normalGrids, ...anomalyGrids, ...validationGrids]) applyBorderScale(g, borderScale);
  const levelScores = options.levelScores ?? DEFAULT_LEVEL_SCORES;
  if (levelScores) for (const g of [...normalGrids, ...anomalyGrids, ...validationGrids]) subtractScoreLevel(g);
  for (const score of pending) score();
  // Global score (optional): nearest training-normal descriptor, leave-one-out for the training normals
  // (their augmented copies excluded too); both scores standardised on the held-out normals, then fused.
  let globalScoring: GlobalScoring | undefined;
  if (globalKind !== 'none') {
    const gdim = descriptorDim(globalKind, memory.bank.dim);
    const descriptors = new Float32Array(features.descriptors.length * gdim);
    features.descriptors.forEach((d, i) => descriptors.set(d, i * gdim));
    const globalOf = (e: Extracted): number => globalDistance(globalDescriptor(e.features, globalKind), descriptors, gdim, features.descriptorSources, e.source);
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
  const scoredImages = (images: Extracted[], list: ScoreMap[]): ScoredImages => ({
    images,
    grids: list,
    scores: list.map((g) => imageScores.get(g)!),
    labels: images.map((e) => e.image.anomalous),
  });
  return {
    training: scoredImages([...normalFeatures, ...anomalyFeatures], [...normalGrids, ...anomalyGrids]),
    normals: normalFeatures.length,
    validation: scoredImages(validationFeatures, validationGrids),
    borderScale,
    levelScores,
    patchNeighbours,
    globalScoring,
  };
}

/** The images calibration learns from: the validation images when there are any, else the held-out training images. */
export function calibrationImages(scores: HeldOutScores): ScoredImages {
  return scores.validation.images.length ? scores.validation : scores.training;
}
