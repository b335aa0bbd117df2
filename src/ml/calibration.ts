/*
 * Decision threshold, expected false-alarm rate and Confidence, from held-out scores only.
 *
 * A production line sees few anomalies (1–10 %), so a threshold that maximises F1 on balanced training data
 * flags far too many good parts there. The threshold is therefore bounded by the held-out normal scores:
 * - The false-alarm rate of a threshold t is estimated from the held-out normal scores x₁ ≤ … ≤ xₙ: below the
 *   upper quartile u it is the empirical exceedance, above it an exponential tail fitted to the top k scores
 *   (peaks over threshold; mean excess β), S(t) = (k + 1)/(n + 1) · exp(−(t − u)/β). The +1s make it
 *   conservative in the conformal way, and the tail lets a few dozen normals speak about 1 % rates.
 * - Normal images only: the default threshold is the one whose estimated false-alarm rate is DEFAULT_FALSE_ALARM_RATE.
 * - With labeled anomalies: the threshold that maximises the F1 expected on a line with LINE_ANOMALY_RATE
 *   anomalies (recall from the held-out anomaly scores, false alarms from the tail), among thresholds whose
 *   estimated false-alarm rate lies between DEFAULT_FALSE_ALARM_RATE and MAX_DEFAULT_FALSE_ALARM_RATE: the
 *   labeled anomalies may lower the normal-only threshold to catch more of them, never raise it (a threshold
 *   pushed up to just below the training anomalies missed every test anomaly of the cookies); the
 *   F1-maximising threshold of the (balanced) calibration scores is a lower bound, never the rule.
 * - A false-alarm-rate target given after training (detection option) moves the threshold the same way.
 * Anomaly probability p(s) = σ(slope · (s − threshold)), so p ≥ 0.5 exactly when the image is judged anomalous;
 * the slope is fitted by maximum likelihood on the calibration scores (with a prior that keeps it finite on
 * separable data), or set so that the median normal image gets p = 0.05 when only normals are known.
 * Confidence (Lookout for Vision's meaning: confidence in the IsAnomalous decision) is p for an anomalous
 * verdict and 1 − p for a normal one.
 */
import { atAnomalyRate, f1MaxThreshold } from './metrics.js';

export interface Calibration {
  /** How the default threshold was set: the false-alarm target, the line's expected F1, or the balanced F1-max lower bound above it. */
  method: 'false-alarm-rate' | 'line-f1' | 'f1-max' | 'normal-statistics';
  /** Default threshold. */
  threshold: number;
  /** Median held-out normal score. */
  normalMedian: number;
  /** Logistic slope of the anomaly probability. */
  slope: number;
  /** Held-out normal scores, ascending (at most MAX_KEPT_SCORES quantiles); absent in models trained before them. */
  normalScores?: number[];
  /** Number of held-out normal scores they summarise. */
  normalCount?: number;
  /** Held-out anomaly scores, ascending (at most MAX_KEPT_SCORES quantiles); empty without labeled anomalies. */
  anomalyScores?: number[];
}

/** Estimated share of good parts flagged at the default threshold of normal-only models (chosen before measuring; issue 11 asks ≤ 2 %). */
export const DEFAULT_FALSE_ALARM_RATE = 0.01;
/** With labeled anomalies: the anomaly rate whose expected F1 the default threshold maximises, and its false-alarm cap. */
export const LINE_ANOMALY_RATE = 0.05;
export const MAX_DEFAULT_FALSE_ALARM_RATE = 0.02;
/** Bounds of a false-alarm-rate target. */
export const MIN_FALSE_ALARM_RATE = 0.0001;
export const MAX_FALSE_ALARM_RATE = 0.5;
const MAX_KEPT_SCORES = 1000;

const median = (sorted: readonly number[]): number => {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
};

/** Up to `max` evenly spaced order statistics of ascending values (all of them when there are few). */
function quantileSummary(sorted: readonly number[], max = MAX_KEPT_SCORES): number[] {
  if (sorted.length <= max) return [...sorted];
  return Array.from({ length: max }, (_, i) => sorted[Math.round((i * (sorted.length - 1)) / (max - 1))]!);
}

interface Tail {
  /** Scores (ascending) and how many they stand for. */
  sorted: readonly number[];
  n: number;
  /** Start of the fitted tail, its weight (k + 1)/(n + 1) and mean excess. */
  u: number;
  weight: number;
  beta: number;
}

function fitTail(sorted: readonly number[], n: number): Tail {
  const m = sorted.length;
  // Top quarter of the scores, at least 2 (a single excess says nothing about the tail's scale).
  const k = Math.min(m - 1, Math.max(2, Math.round(m / 4)));
  const u = sorted[m - 1 - k]!;
  let excess = 0;
  for (let i = m - k; i < m; i++) excess += sorted[i]! - u;
  const spread = sorted[m - 1]! - sorted[0]!;
  // Ties at the top leave no excess: fall back to a sliver of the overall spread so the tail stays a tail.
  const beta = Math.max(excess / k, 1e-3 * spread, 1e-9 * Math.max(1, Math.abs(u)));
  return { sorted, n, u, weight: (k * (n / m) + 1) / (n + 1), beta };
}

/** The normal-score tail of a calibration; models trained before it kept scores assume a Gaussian one. */
function tailOf(c: Calibration): Tail | undefined {
  if (!c.normalScores?.length || c.normalScores.length < 3) return undefined;
  return fitTail(c.normalScores, c.normalCount ?? c.normalScores.length);
}

/** Older models kept no scores: their normal scores are taken as Gaussian around the median, their default threshold 3 sd above it. */
const legacySd = (c: Calibration): number => Math.max(c.threshold - c.normalMedian, 1e-12) / 3;

/** The tail's estimate at `threshold`, given how many of its kept scores lie above it (counted by the caller). */
function tailRate(tail: Tail, threshold: number, above: number): number {
  if (threshold >= tail.u) return tail.weight * Math.exp(-(threshold - tail.u) / tail.beta);
  return (above * (tail.n / tail.sorted.length) + 1) / (tail.n + 1);
}

/** Estimated share of normal images scoring above `threshold`. */
export function falseAlarmRateAt(c: Calibration, threshold: number): number {
  const tail = tailOf(c);
  if (!tail) return 0.5 * erfc((threshold - c.normalMedian) / (legacySd(c) * Math.SQRT2));
  let above = 0;
  for (const s of tail.sorted) if (s > threshold) above++;
  return tailRate(tail, threshold, above);
}

/** The threshold whose estimated false-alarm rate is `rate`. */
export function thresholdForFalseAlarmRate(c: Calibration, rate: number): number {
  checkFalseAlarmRate(rate);
  const tail = tailOf(c);
  if (!tail) return c.normalMedian + legacySd(c) * Math.SQRT2 * erfcInverse(2 * rate);
  if (rate < tail.weight) return tail.u + tail.beta * Math.log(tail.weight / rate);
  // Within the observed scores: the smallest one that leaves at most `rate` above it (one pass: `next` is the
  // first score above the current one, so the count above it is what remains).
  const sorted = tail.sorted;
  let next = 0;
  for (const s of sorted) {
    while (next < sorted.length && sorted[next]! <= s) next++;
    if (tailRate(tail, s, sorted.length - next) <= rate) return s;
  }
  return tail.u;
}

/** Share of the held-out anomalies scoring at or above `threshold`; null without labeled anomalies. */
export function expectedRecallAt(c: Calibration, threshold: number): number | null {
  const a = c.anomalyScores;
  if (!a?.length) return null;
  return a.filter((s) => s >= threshold).length / a.length;
}

export function checkFalseAlarmRate(rate: number): void {
  if (!(rate >= MIN_FALSE_ALARM_RATE && rate <= MAX_FALSE_ALARM_RATE)) throw new RangeError(`false-alarm rate must be between ${MIN_FALSE_ALARM_RATE} and ${MAX_FALSE_ALARM_RATE}`);
}

/**
 * Calibrates from held-out scores with labels (true = anomalous). Needs at least one normal score.
 * `falseAlarmRate`: the estimated false-alarm rate of the default threshold.
 */
export function calibrate(scores: readonly number[], labels: readonly boolean[], falseAlarmRate = DEFAULT_FALSE_ALARM_RATE): Calibration {
  const normals = scores.filter((_, i) => !labels[i]).sort((a, b) => a - b);
  const anomalies = scores.filter((_, i) => labels[i]).sort((a, b) => a - b);
  if (normals.length === 0) throw new Error('calibration needs normal images');
  const normalMedian = median(normals);
  const base: Calibration = {
    method: 'false-alarm-rate',
    threshold: normalMedian,
    normalMedian,
    slope: 1,
    normalScores: quantileSummary(normals),
    normalCount: normals.length,
    anomalyScores: quantileSummary(anomalies),
  };
  const at = (rate: number): number => (normals.length >= 3 ? thresholdForFalseAlarmRate(base, rate) : normals[normals.length - 1]!);
  let threshold = at(falseAlarmRate);
  let method: Calibration['method'] = 'false-alarm-rate';
  if (anomalies.length > 0) {
    threshold = bestLineThreshold(base, at(Math.max(falseAlarmRate, MAX_DEFAULT_FALSE_ALARM_RATE)), threshold);
    method = 'line-f1';
    const f1 = f1MaxThreshold(scores, labels).threshold;
    if (f1 > threshold) {
      threshold = f1;
      method = 'f1-max';
    }
  }
  const spread = Math.max(threshold - normalMedian, 1e-6 * Math.max(1, Math.abs(threshold)));
  const prior = Math.log(19) / spread;
  const slope = anomalies.length > 0 ? fitSlope(scores, labels, threshold, prior) : prior;
  return { ...base, method, threshold, slope };
}

/**
 * The threshold between `floor` and `ceiling` with the best F1 expected at LINE_ANOMALY_RATE. Recall only changes
 * at the held-out anomaly scores; a threshold chosen at one is put midway below it (as F1-max thresholds are).
 */
function bestLineThreshold(c: Calibration, floor: number, ceiling: number): number {
  const anomalies = c.anomalyScores ?? [];
  const candidates = [floor, ...anomalies.filter((a) => a > floor && a < ceiling), Math.max(floor, ceiling)];
  let best = 0;
  let bestF1 = -1;
  candidates.forEach((t, i) => {
    const { f1 } = atAnomalyRate(expectedRecallAt(c, t)!, falseAlarmRateAt(c, t), LINE_ANOMALY_RATE);
    if (f1 >= bestF1) [best, bestF1] = [i, f1];
  });
  const atAnomaly = best > 0 && best < candidates.length - 1;
  return atAnomaly ? (candidates[best - 1]! + candidates[best]!) / 2 : candidates[best]!;
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

/** The threshold for a false-alarm-rate target, or the default one. */
export function thresholdFor(c: Calibration, falseAlarmRate?: number): number {
  return falseAlarmRate === undefined ? c.threshold : thresholdForFalseAlarmRate(c, falseAlarmRate);
}

export interface Verdict {
  isAnomalous: boolean;
  /** Confidence in the verdict, 0.5..1. */
  confidence: number;
  /** P(anomalous), 0..1, monotone in the score. */
  anomalyProbability: number;
}

/** The verdict on a score at a threshold (default: the calibrated one). */
export function verdict(c: Calibration, score: number, threshold = c.threshold): Verdict {
  const p = 1 / (1 + Math.exp(-c.slope * (score - threshold)));
  const isAnomalous = score >= threshold;
  return { isAnomalous, confidence: isAnomalous ? p : 1 - p, anomalyProbability: p };
}

/**
 * Complementary error function, 1 − (2/√π)∫₀ˣ e^(−t²) dt with the integral by composite Simpson's rule (2 000
 * steps over |x| ≤ 6, error below 1e-10; only the older models' Gaussian tail needs it).
 */
function erfc(x: number): number {
  const z = Math.min(Math.abs(x), 6);
  const steps = 2000;
  const h = z / steps;
  let sum = 1 + Math.exp(-z * z);
  for (let i = 1; i < steps; i++) sum += (i % 2 ? 4 : 2) * Math.exp(-((i * h) ** 2));
  const erf = ((h / 3) * sum * 2) / Math.sqrt(Math.PI);
  return x >= 0 ? 1 - erf : 1 + erf;
}

/** Inverse of erfc on (0, 2), by bisection (only for the older models' Gaussian tail). */
function erfcInverse(y: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (erfc(mid) > y) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
