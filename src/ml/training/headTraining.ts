/*
 * The labeled-anomaly head (anomalyHead.ts): with at least 4 labeled anomalies and 4 held-out normals, each
 * training image's patch scores and distances to the other anomalies' top patches become statistics for a
 * logistic head, which is kept only when it cross-validates better than the PatchCore score alone. A kept head
 * is calibrated on out-of-fold logits (in-sample ones would be overconfident), or on the validation images.
 */
import { crossValidatedLogits, fitLogistic, type HeadModel, headLogit, headStatistics, selectHead } from '../anomalyHead.js';
import type { ScoreMap } from '../anomalyMap.js';
import { calibrate } from '../calibration.js';
import { makeBank, nearest } from '../components/nearest.js';
import type { MemoryBank } from '../patchcore.js';
import type { Extracted } from './extraction.js';
import type { HeldOutScores } from './heldOutScoring.js';
import { DEFAULT_ANOMALY_HEAD, type TrainOptions } from './options.js';

const HEAD_TOP_K = 10;
const ANOMALY_BANK_PER_IMAGE = 10;

/** Whether the head is used, and the cross-validated figures that decided it (null: not tried). */
export type HeadReport = { used: boolean; patchcoreAUROC: number; headAUROC: number } | null;

export interface TrainedHead {
  /** Absent: PatchCore's score alone. */
  head?: HeadModel;
  /** The head's held-out logits on the calibration images (out-of-fold on the training set, or the validation images). */
  scores: number[];
  report: HeadReport;
}

export async function trainHead({ training, normals, validation }: HeldOutScores, options: TrainOptions): Promise<TrainedHead> {
  const threads = options.threads ?? 1;
  const seed = options.seed ?? 0;
  const anomalies = training.images.length - normals;
  let head: HeadModel | undefined;
  let headScores: number[] = [];
  let headReport: HeadReport = null;
  if ((options.useAnomalies ?? true) && anomalies >= 4 && normals >= 4) {
    const pooled = (options.anomalyHead ?? DEFAULT_ANOMALY_HEAD) === 'scores-and-features';
    const anomalyBank = await topPatchBank(training.images.slice(normals), training.grids.slice(normals));
    const stats: number[][] = [];
    for (const [k, e] of training.images.entries()) {
      const own = e.image.anomalous ? k - normals : -1;
      const penalty = new Float32Array(anomalyBank.source.length);
      for (let j = 0; j < penalty.length; j++) if (anomalyBank.source[j] === own) penalty[j] = Infinity;
      const toAnomalies = await nearest(e.features.data, anomalyBank.bank, { threads, penalty });
      stats.push(headStatistics(training.grids[k]!.data, toAnomalies.distance, HEAD_TOP_K, pooled ? e.features : undefined));
    }
    const selection = selectHead(stats, training.scores, training.labels, seed);
    headReport = { used: selection.keep, patchcoreAUROC: selection.patchcoreAUROC, headAUROC: selection.headAUROC };
    if (selection.keep) {
      const fitted = fitLogistic(stats, training.labels);
      const folds = Math.min(5, anomalies, normals);
      // Calibrate the head on out-of-fold logits (in-sample logits would be overconfident).
      const oof = crossValidatedLogits(stats, training.labels, folds, seed);
      head = { ...fitted, topK: HEAD_TOP_K, pooledFeatures: pooled, anomalyBank: anomalyBank.bank, calibration: calibrate(oof, training.labels) };
      headScores = oof;
      if (validation.images.length) {
        const vLogits: number[] = [];
        for (const [k, e] of validation.images.entries()) {
          const toAnomalies = await nearest(e.features.data, anomalyBank.bank, { threads });
          vLogits.push(headLogit(head, headStatistics(validation.grids[k]!.data, toAnomalies.distance, HEAD_TOP_K, pooled ? e.features : undefined)));
        }
        head.calibration = calibrate(vLogits, validation.labels);
        headScores = vLogits;
      }
    }
  }
  return { head, scores: headScores, report: headReport };
}

/** The top-scoring patches of each anomalous training image, tagged with their image. */
async function topPatchBank(anomalies: Extracted[], grids: ScoreMap[]): Promise<MemoryBank> {
  const dim = anomalies[0]!.features.channels;
  const source: number[] = [];
  const rows: Float32Array[] = [];
  anomalies.forEach((e, k) => {
    const g = grids[k]!.data;
    const order = Array.from(g.keys())
      .sort((a, b) => g[b]! - g[a]!)
      .slice(0, ANOMALY_BANK_PER_IMAGE);
    for (const i of order) {
      rows.push(e.features.data.subarray(i * dim, (i + 1) * dim));
      source.push(k);
    }
  });
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, j) => data.set(r, j * dim));
  return { bank: makeBank(data, dim), source: Int32Array.from(source) };
}
