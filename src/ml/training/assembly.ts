/*
 * Model assembly: the trained parts into the model state the artifact encodes (model.ts), and the training
 * metrics, figured on the calibration images with the scoring actually used (the head's logits when it is kept,
 * out-of-fold on the training set).
 */
import { type Calibration, expectedRecallAt, falseAlarmRateAt } from '../calibration.js';
import type { BackboneInfo } from '../components/backbone.js';
import type { Preprocessing } from '../features.js';
import type { GlobalDescriptorKind } from '../globalScore.js';
import { auroc, confusionAt, precisionRecall } from '../metrics.js';
import type { ModelState } from '../model.js';
import type { SEARCH_CRITERION, SearchTrial } from '../resolutionSearch.js';
import type { TrainingFeatures } from './extraction.js';
import type { HeadReport, TrainedHead } from './headTraining.js';
import { calibrationImages, type HeldOutScores } from './heldOutScoring.js';
import { type TrainedBank, trimNeighbours } from './memoryBank.js';
import { DEFAULT_GLOBAL_SCORE, type TrainOptions } from './options.js';
import type { PixelCalibration } from './pixelCalibration.js';

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
  head: HeadReport;
  trainSeconds: number;
  /** Seconds per stage. */
  timings: { features: number; pca: number; coreset: number; scoring: number; calibration: number };
}

export interface TrainResult {
  artifact: Uint8Array;
  metrics: TrainMetrics;
}

/** Seconds per training stage. */
export type TrainTimings = TrainMetrics['timings'];

/** What each training step produced. */
export interface TrainedParts {
  images: { normal: number; anomalous: number; validation: number };
  options: TrainOptions;
  backbone: BackboneInfo;
  preprocessing: Preprocessing;
  features: TrainingFeatures;
  bank: TrainedBank;
  scores: HeldOutScores;
  head: TrainedHead;
  /** Of PatchCore's score (used directly, or for the map when the head decides). */
  calibration: Calibration;
  pixels: PixelCalibration;
}

export function modelState(parts: TrainedParts): ModelState {
  const { options, backbone, features, bank, scores, pixels } = parts;
  const { pca } = features;
  const { reweighting } = bank;
  const stateTraining = {
    normalImages: parts.images.normal,
    anomalousImages: parts.images.anomalous,
    validationImages: parts.images.validation,
    augmentation: options.augment ?? 'none',
    reweight: Boolean(reweighting),
    globalScore: options.globalScore ?? DEFAULT_GLOBAL_SCORE,
    borderScale: scores.borderScale,
    levelScores: scores.levelScores,
    patchNeighbours: scores.patchNeighbours,
    featureDim: pca ? pca.outDim : backbone.channels,
    explainedVariance: pca?.explainedVariance,
    patches: features.reservoir.total,
    seed: options.seed ?? 0,
  };
  return {
    backbone: { id: backbone.id, weightHash: backbone.weightHash, stride: backbone.stride, channels: backbone.channels },
    preprocessing: parts.preprocessing,
    mapSigma: pixels.mapSigma,
    pca,
    bank: bank.memory.bank,
    // The artifact keeps b − 1 neighbours per entry (the spares only serve leave-one-out scoring here).
    reweighting: reweighting ? trimNeighbours(reweighting, Math.min(reweighting.b - 1, reweighting.width)) : undefined,
    globalScoring: scores.globalScoring,
    calibration: parts.calibration,
    borderScale: scores.borderScale,
    levelScores: scores.levelScores || undefined,
    patchNeighbours: scores.patchNeighbours > 1 ? scores.patchNeighbours : undefined,
    pixelThreshold: pixels.pixelThreshold,
    classes: options.classes ?? [],
    classBank: pixels.classBank,
    head: parts.head.head,
    training: stateTraining,
  };
}

export function trainMetrics(parts: TrainedParts, timings: TrainTimings, started: number): TrainMetrics {
  const { features, bank, head } = parts;
  const calibrationSet = calibrationImages(parts.scores);
  // Figures on the calibration images with the scoring actually used (head logits are out-of-fold).
  const reportCal = head.head ? head.head.calibration : parts.calibration;
  const reportScores = head.head ? head.scores : calibrationSet.scores;
  const pr = precisionRecall(confusionAt(reportScores, calibrationSet.labels, reportCal.threshold));
  return {
    normalImages: parts.images.normal,
    anomalousImages: parts.images.anomalous,
    preprocessing: parts.preprocessing,
    bankSize: bank.memory.bank.size,
    patches: features.reservoir.total,
    coresetCandidates: features.reservoir.size,
    heldOutNormals: features.heldOutNormals.length,
    featureDim: bank.memory.bank.dim,
    explainedVariance: features.pca?.explainedVariance ?? 1,
    calibrationMethod: reportCal.method,
    threshold: reportCal.threshold,
    expectedFalseAlarmRate: falseAlarmRateAt(reportCal, reportCal.threshold),
    expectedRecall: expectedRecallAt(reportCal, reportCal.threshold),
    calibrationAUROC: auroc(reportScores, calibrationSet.labels),
    calibrationPixelAUROC: parts.pixels.calibrationPixelAUROC,
    precision: pr.precision,
    recall: pr.recall,
    f1: pr.f1,
    reweight: Boolean(bank.reweighting),
    globalScore: parts.options.globalScore ?? DEFAULT_GLOBAL_SCORE,
    head: head.report,
    trainSeconds: (performance.now() - started) / 1000,
    timings,
  };
}
