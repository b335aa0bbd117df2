/*
 * Decision threshold and Confidence.
 * - With labeled anomalies among the calibration scores: the F1-maximising threshold.
 * - Normal scores only: median + 3 robust standard deviations (1.4826 · median absolute deviation) of
 *   held-out normal scores; robust because a few unusual normal training images inflate a plain standard
 *   deviation (on aliens, mean + 3 sd gave F1 0.55–0.89 over three splits, the robust rule 0.97–0.99).
 * Anomaly probability p(s) = σ(slope · (s − threshold)), so p ≥ 0.5 exactly when the image is judged
 * anomalous; the slope is fitted by maximum likelihood on the calibration scores (with a prior that keeps
 * it finite on separable data), or set so that the median normal image gets p = 0.05 when only normals
 * are known. Confidence (Lookout for Vision's meaning: confidence in the IsAnomalous decision) is p for an
 * anomalous verdict and 1 − p for a normal one.
 * Sensitivity s ∈ [0, 1] (default 0.5 = the calibrated threshold) moves the threshold linearly between the
 * median normal score (s = 1: most sensitive) and 2·threshold − median (s = 0), without retraining.
 */
import { f1MaxThreshold } from './metrics.js';

export interface Calibration {
  method: 'f1-max' | 'normal-statistics';
  /** Threshold at sensitivity 0.5. */
  threshold: number;
  /** Median held-out normal score (the sensitivity scale's anchor). */
  normalMedian: number;
  /** Logistic slope of the anomaly probability. */
  slope: number;
}

export const DEFAULT_SENSITIVITY = 0.5;

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Calibrates from scores with labels (true = anomalous). Needs at least one normal score. */
export function calibrate(scores: readonly number[], labels: readonly boolean[]): Calibration {
  const normals = scores.filter((_, i) => !labels[i]);
  const anomalies = scores.filter((_, i) => labels[i]);
  if (normals.length === 0) throw new Error('calibration needs normal images');
  const normalMedian = median(normals);
  let threshold: number;
  let method: Calibration['method'];
  if (anomalies.length > 0) {
    threshold = f1MaxThreshold(scores, labels).threshold;
    method = 'f1-max';
  } else {
    const mad = median(normals.map((v) => Math.abs(v - normalMedian)));
    const mean = normals.reduce((a, b) => a + b, 0) / normals.length;
    const sd = Math.sqrt(normals.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, normals.length - 1));
    threshold = normalMedian + 3 * (mad > 0 ? 1.4826 * mad : sd);
    method = 'normal-statistics';
  }
  const spread = Math.max(threshold - normalMedian, 1e-6 * Math.max(1, Math.abs(threshold)));
  const prior = Math.log(19) / spread;
  const slope = anomalies.length > 0 ? fitSlope(scores, labels, threshold, prior) : prior;
  return { method, threshold, normalMedian, slope };
}

/** Maximum a posteriori slope of σ(a(s − t)) with a log-normal prior centred on `prior`. */
function fitSlope(scores: readonly number[], labels: readonly boolean[], t: number, prior: number): number {
  const objective = (logA: number): number => {
    const a = Math.exp(logA);
    let ll = 0;
    scores.forEach((s, i) => {
      const z = a * (s - t);
      // log σ(z) and log(1 − σ(z)) computed stably
      ll += labels[i] ? -softplus(-z) : -softplus(z);
    });
    return ll - 0.5 * (logA - Math.log(prior)) ** 2;
  };
  let lo = Math.log(prior) - 6;
  let hi = Math.log(prior) + 6;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 60; it++) {
    const m1 = hi - g * (hi - lo);
    const m2 = lo + g * (hi - lo);
    if (objective(m1) < objective(m2)) lo = m1;
    else hi = m2;
  }
  return Math.exp((lo + hi) / 2);
}

const softplus = (z: number): number => (z > 30 ? z : Math.log1p(Math.exp(z)));

/** The threshold at a sensitivity in [0, 1]. */
export function thresholdAt(c: Calibration, sensitivity = DEFAULT_SENSITIVITY): number {
  if (!(sensitivity >= 0 && sensitivity <= 1)) throw new RangeError('sensitivity must be between 0 and 1');
  return c.threshold + (0.5 - sensitivity) * 2 * (c.threshold - c.normalMedian);
}

/** Calibrated probability that an image with this score is anomalous (monotone in the score). */
export function anomalyProbability(c: Calibration, score: number, sensitivity = DEFAULT_SENSITIVITY): number {
  const z = c.slope * (score - thresholdAt(c, sensitivity));
  return 1 / (1 + Math.exp(-z));
}

export interface Verdict {
  isAnomalous: boolean;
  /** Confidence in the verdict, 0.5..1. */
  confidence: number;
  /** P(anomalous), 0..1, monotone in the score. */
  anomalyProbability: number;
}

export function verdict(c: Calibration, score: number, sensitivity = DEFAULT_SENSITIVITY): Verdict {
  const p = anomalyProbability(c, score, sensitivity);
  const isAnomalous = score >= thresholdAt(c, sensitivity);
  return { isAnomalous, confidence: isAnomalous ? p : 1 - p, anomalyProbability: p };
}
