/*
 * Using labeled anomalous training images to improve the ranking: a small class-balanced logistic
 * regression over summary statistics of two per-patch distance maps,
 *   - to the normal memory bank (max, top-k mean, 99th and 95th percentiles), and
 *   - to a bank of the top-scoring patches of the anomalous training images (the same statistics of the
 *     negated distance, i.e. "how close is the most anomaly-like patch to a known defect"),
 * and, with `anomalyHead: 'scores-and-features'`, the image's patch features max-pooled per channel (what the
 * image holds anywhere: defects that change a part's overall look; opt-in, docs/detection-engine.md).
 * Training is kept only when its cross-validated AUROC (leave-own-image-out statistics, k-fold regression)
 * beats plain PatchCore's leave-one-out AUROC on the same images; otherwise the model is pure PatchCore.
 * A hard-wired "distance to normal minus distance to anomaly" score and a bank of *all* anomalous patches
 * both did worse in the prototype on defect types unseen in training, hence the learned, gated head.
 * Measured here (bench/ml.ts): selected on cookies and as good as PatchCore (both 1.000 on the test half);
 * on the circuit boards rejected at 672×448, selected and better at 1008×672 (0.932 vs 0.912), but selected
 * and worse at 768×512 (0.873 vs 0.918) and with augmentation (0.830 vs 0.943): the test boards' defects
 * differ from the training ones, which the anomaly-bank statistics cannot know. On by default (never worse at
 * the default settings measured); `useAnomalies: false` turns it off.
 */
import type { Calibration } from './calibration.js';
import type { FeatureMap } from './components/backbone.js';
import type { Bank } from './components/nearest.js';
import { Rng } from './components/random.js';
import { auroc } from './metrics.js';

export interface HeadModel {
  /** Logistic weights over standardized statistics, bias last. */
  weights: number[];
  mean: number[];
  scale: number[];
  /** k of the top-k mean. */
  topK: number;
  /** The image's patch features, max-pooled per channel, follow the statistics (absent: not). */
  pooledFeatures?: boolean;
  anomalyBank: Bank;
  /** Threshold / confidence on the head's logit. */
  calibration: Calibration;
}

export const STAT_NAMES = ['max', 'topKMean', 'p99', 'p95', 'anomMax', 'anomTopKMean', 'anomP99', 'anomP95'] as const;

function summary(values: Float32Array, topK: number, negate: boolean): number[] {
  const v = Float32Array.from(values, (x) => (negate ? -x : x)).sort();
  const n = v.length;
  const at = (q: number): number => v[Math.min(n - 1, Math.max(0, Math.floor(q * (n - 1))))]!;
  const k = Math.max(1, Math.min(topK, n));
  let s = 0;
  for (let i = n - k; i < n; i++) s += v[i]!;
  return [v[n - 1]!, s / k, at(0.99), at(0.95)];
}

/** The statistics vector of one image from its two patch-distance maps, then its max-pooled patch features if given. */
export function headStatistics(normalDistances: Float32Array, anomalyDistances: Float32Array, topK: number, features?: FeatureMap): number[] {
  const stats = [...summary(normalDistances, topK, false), ...summary(anomalyDistances, topK, true)];
  return features ? [...stats, ...maxPooled(features)] : stats;
}

/** Each channel's largest value over the image's patches: what the image holds anywhere, wherever it is. */
function maxPooled({ data, channels }: FeatureMap): number[] {
  const out = new Array<number>(channels).fill(-Infinity);
  for (let i = 0; i < data.length; i += channels) for (let c = 0; c < channels; c++) if (data[i + c]! > out[c]!) out[c] = data[i + c]!;
  return out;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Class-balanced L2-regularised logistic regression (gradient descent on standardized inputs). */
export function fitLogistic(x: number[][], y: boolean[], l2 = 1e-2, iterations = 500): { weights: number[]; mean: number[]; scale: number[] } {
  const d = x[0]!.length;
  const mean = Array.from({ length: d }, (_, j) => x.reduce((a, r) => a + r[j]!, 0) / x.length);
  const scale = Array.from({ length: d }, (_, j) => Math.sqrt(x.reduce((a, r) => a + (r[j]! - mean[j]!) ** 2, 0) / x.length) || 1);
  const z = x.map((r) => r.map((v, j) => (v - mean[j]!) / scale[j]!));
  const pos = y.filter(Boolean).length;
  const neg = y.length - pos;
  const weightOf = (label: boolean): number => (label ? y.length / (2 * Math.max(1, pos)) : y.length / (2 * Math.max(1, neg)));
  const w = new Array<number>(d + 1).fill(0);
  const rate = 0.5;
  for (let it = 0; it < iterations; it++) {
    const grad = new Array<number>(d + 1).fill(0);
    z.forEach((r, i) => {
      let s = w[d]!;
      for (let j = 0; j < d; j++) s += w[j]! * r[j]!;
      const err = (sigmoid(s) - (y[i] ? 1 : 0)) * weightOf(y[i]!);
      for (let j = 0; j < d; j++) grad[j]! += err * r[j]!;
      grad[d]! += err;
    });
    for (let j = 0; j <= d; j++) w[j]! -= rate * (grad[j]! / z.length + (j < d ? l2 * w[j]! : 0));
  }
  return { weights: w, mean, scale };
}

export function headLogit(h: Pick<HeadModel, 'weights' | 'mean' | 'scale'>, stats: number[]): number {
  const d = stats.length;
  let s = h.weights[d]!;
  for (let j = 0; j < d; j++) s += h.weights[j]! * ((stats[j]! - h.mean[j]!) / h.scale[j]!);
  return s;
}

/** Stratified k-fold out-of-fold logits of the logistic head. */
export function crossValidatedLogits(x: number[][], y: boolean[], folds = 5, seed = 0): number[] {
  const rng = new Rng(seed);
  const fold = new Array<number>(y.length);
  for (const label of [true, false]) {
    const idx = rng.shuffle(y.map((v, i) => (v === label ? i : -1)).filter((i) => i >= 0));
    idx.forEach((i, k) => (fold[i] = k % folds));
  }
  const out = new Array<number>(y.length).fill(0);
  for (let f = 0; f < folds; f++) {
    const train = y.map((_, i) => i).filter((i) => fold[i] !== f);
    const test = y.map((_, i) => i).filter((i) => fold[i] === f);
    if (!test.length) continue;
    const model = fitLogistic(
      train.map((i) => x[i]!),
      train.map((i) => y[i]!),
    );
    for (const i of test) out[i] = headLogit(model, x[i]!);
  }
  return out;
}

export interface HeadSelection {
  keep: boolean;
  patchcoreAUROC: number;
  headAUROC: number;
}

/** Decides whether the head beats PatchCore's image score on the same (held-out) training scores. */
export function selectHead(stats: number[][], patchcoreScores: number[], labels: boolean[], seed = 0): HeadSelection {
  const patchcoreAUROC = auroc(patchcoreScores, labels);
  const headAUROC = auroc(crossValidatedLogits(stats, labels, Math.min(5, labels.filter(Boolean).length, labels.filter((l) => !l).length), seed), labels);
  return { keep: headAUROC > patchcoreAUROC + 0.005, patchcoreAUROC, headAUROC };
}
