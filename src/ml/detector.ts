/*
 * Detection with a trained model: load the artifact once, then detect(image bytes) per image.
 */

import { headLogit, headStatistics } from './anomalyHead.js';
import { anomalyLevelsPng } from './anomalyLevels.js';
import { anomalyMap, type ScoreMap } from './anomalyMap.js';
import { ArtifactError } from './artifact.js';
import { applyBorderScale } from './borderScale.js';
import { checkFalseAlarmRate, expectedRecallAt, falseAlarmRateAt, thresholdFor, verdict } from './calibration.js';
import { backboneInfo, loadBackbone } from './components/backbone.js';
import { imageSize } from './components/image.js';
import { nearest } from './components/nearest.js';
import { projectPca } from './components/pca.js';
import { decodeForModel, extractTiled, featuresOf } from './features.js';
import { fuseScores, globalDescriptor, globalDistance } from './globalScore.js';
import { decodeModel, type ModelState } from './model.js';
import { imageScore, scorePatches } from './patchcore.js';
import { subtractScoreLevel } from './scoreLevel.js';
import { maskPng, segment } from './segmentation.js';

export interface DetectOptions {
  /**
   * Estimated share of good parts to flag (0.0001..0.5): sets the threshold from the model's held-out normal
   * scores without retraining. Default: the detector's, else the model's calibrated threshold.
   */
  falseAlarmRate?: number;
  /** Also return the smoothed anomaly map at the working resolution (evaluation). */
  returnMap?: boolean;
  /** Also return the anomaly map as a grayscale PNG of the input's size (anomalyLevels.ts), for any model. */
  anomalyLevels?: boolean;
}

export interface DetectedAnomaly {
  name: string;
  /** "#RRGGBB". */
  color: string;
  /** Fraction 0..1 of the image. */
  totalPercentageArea: number;
}

export interface Detection {
  isAnomalous: boolean;
  /** Confidence in isAnomalous, 0.5..1 (Lookout for Vision's meaning). */
  confidence: number;
  /** Calibrated P(anomalous), monotone in the score. */
  anomalyProbability: number;
  /** Raw anomaly score (PatchCore: largest patch distance, re-weighted if the model says so, or fused with the global score as robust z-scores; head: its logit) and the threshold used. */
  score: number;
  threshold: number;
  /** Segmentation models: background first, then each class found. */
  anomalies?: DetectedAnomaly[];
  /** Segmentation models: RGB PNG of the input's size, background white, classes in their colours. */
  mask?: Uint8Array;
  /** With returnMap: the smoothed anomaly map and (segmentation models) the class per pixel, both at the working resolution. */
  map?: ScoreMap;
  classMap?: Uint8Array;
  /** With anomalyLevels: the anomaly map as a grayscale PNG of the input's size, level 128 at the pixel threshold. */
  anomalyLevels?: Uint8Array;
}

export interface Detector {
  readonly model: ModelState;
  detect(image: Uint8Array, options?: DetectOptions): Promise<Detection>;
}

/** What a threshold is expected to do on the line, estimated from the model's held-out training scores. */
export interface OperatingPoint {
  threshold: number;
  /** Estimated share of good parts flagged. */
  falseAlarmRate: number;
  /** Share of the held-out labeled anomalies caught; null when the model was trained on normals only. */
  recall: number | null;
}

/** The operating point of a model at a false-alarm-rate target (default: its calibrated threshold). */
export function operatingPoint(model: ModelState, falseAlarmRate?: number): OperatingPoint {
  const c = model.head?.calibration ?? model.calibration;
  const threshold = thresholdFor(c, falseAlarmRate);
  return { threshold, falseAlarmRate: falseAlarmRateAt(c, threshold), recall: expectedRecallAt(c, threshold) };
}

export interface LoadOptions {
  /** Runtime threads per detection (default 1). */
  threads?: number;
  /** Default false-alarm-rate target of detect(). */
  falseAlarmRate?: number;
  cacheDir?: string;
}

export async function loadDetector(artifact: Uint8Array, options: LoadOptions = {}): Promise<Detector> {
  const model = decodeModel(artifact);
  const info = backboneInfo();
  if (model.backbone.id !== info.id || model.backbone.weightHash !== info.weightHash) {
    throw new ArtifactError(
      `the model was trained with backbone ${model.backbone.id} (weights ${model.backbone.weightHash.slice(0, 12)}…), this installation has ${info.id} (weights ${info.weightHash.slice(0, 12)}…)`,
    );
  }
  const threads = options.threads ?? 1;
  if (options.falseAlarmRate !== undefined) checkFalseAlarmRate(options.falseAlarmRate);
  const backbone = await loadBackbone({ threads, cacheDir: options.cacheDir });
  const memory = { bank: model.bank, source: new Int32Array(model.bank.size) };
  const prep = model.preprocessing;
  // Warm up: the runtime prepares its kernels for a new input shape on the first run (~100 ms); do it at
  // load time so that the first detection is as fast as the others.
  {
    const blank = await extractTiled(backbone, new Float32Array(prep.width * prep.height * 3), prep.height, prep.width, prep.tiles);
    const f = model.pca ? await projectPca(model.pca, blank.data, threads) : blank.data;
    await nearest(f, model.bank, { threads });
  }
  return {
    model,
    async detect(bytes, detectOptions = {}) {
      const falseAlarmRate = detectOptions.falseAlarmRate ?? options.falseAlarmRate;
      const decoded = await decodeForModel(bytes, prep);
      const raw = await featuresOf(backbone, decoded, 'none', prep);
      const features = model.pca ? { ...raw, channels: model.pca.outDim, data: await projectPca(model.pca, raw.data, threads) } : raw;
      const { grid, nearestIndex } = await scorePatches(features, memory, { threads, neighbours: model.patchNeighbours });
      if (model.borderScale) applyBorderScale(grid, model.borderScale);
      if (model.levelScores) subtractScoreLevel(grid);
      let score = imageScore(grid, nearestIndex, features.data, model.bank, model.reweighting);
      const g = model.globalScoring;
      if (g) score = fuseScores(score, globalDistance(globalDescriptor(features, g.kind), g.descriptors, g.dim), g);
      let calibration = model.calibration;
      if (model.head) {
        const toAnomalies = await nearest(features.data, model.head.anomalyBank, { threads });
        score = headLogit(model.head, headStatistics(grid.data, toAnomalies.distance, model.head.topK, model.head.pooledFeatures ? features : undefined));
        calibration = model.head.calibration;
      }
      const threshold = thresholdFor(calibration, falseAlarmRate);
      const v = verdict(calibration, score, threshold);
      const result: Detection = { ...v, score, threshold };
      const needMap = detectOptions.returnMap || detectOptions.anomalyLevels || model.classes.length > 0;
      const map = needMap ? anomalyMap(grid, prep.width, prep.height, model.mapSigma) : undefined;
      if (detectOptions.returnMap) result.map = map;
      const size = map && (model.classes.length || detectOptions.anomalyLevels) ? await imageSize(bytes) : undefined;
      // The map as it is, whatever the verdict: a normal image shows where it came closest to the threshold.
      if (detectOptions.anomalyLevels && map && size) result.anomalyLevels = await anomalyLevelsPng(map, model.pixelThreshold, size.width, size.height);
      if (model.classes.length && map && size) {
        // The mask follows the verdict: a normal verdict has an all-background mask.
        const seg = await segment(map, features, v.isAnomalous ? model.pixelThreshold : Infinity, model.classes, model.classBank, threads);
        result.anomalies = seg.anomalies;
        if (detectOptions.returnMap) result.classMap = seg.classMap;
        result.mask = await maskPng(seg.classMap, prep.width, prep.height, model.classes, size.width, size.height);
      }
      return result;
    },
  };
}
