/*
 * Evaluation metrics: the only place precision, recall, F1, false-alarm rate, AUROC and pixel IoU are
 * computed, for training (calibration, head selection), `vigil eval`, the server's evaluation result and the
 * benchmark. Labels: true = anomalous (the positive class).
 */

/**
 * Area under the ROC curve = P(score of a random positive > score of a random negative), ties counting
 * one half (Mann–Whitney U with average ranks). NaN when either class is empty.
 */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) {
      if (labels[order[t]!]) {
        positives++;
        rankSum += rank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * The same for large pixel sets with scores in a bounded range: a histogram of `bins` buckets (exact when
 * every distinct score has its own bucket; otherwise ties within a bucket count one half).
 */
export function aurocBinned(scores: Float32Array, labels: Uint8Array, bins = 65536): number {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (s < min) min = s;
    if (s > max) max = s;
  }
  const pos = new Float64Array(bins);
  const neg = new Float64Array(bins);
  const scale = max > min ? (bins - 1) / (max - min) : 0;
  for (let i = 0; i < scores.length; i++) {
    const b = Math.floor((scores[i]! - min) * scale);
    if (labels[i]) pos[b]!++;
    else neg[b]!++;
  }
  let negBelow = 0;
  let u = 0;
  let p = 0;
  let q = 0;
  for (let b = 0; b < bins; b++) {
    u += pos[b]! * (negBelow + neg[b]! / 2);
    negBelow += neg[b]!;
    p += pos[b]!;
    q += neg[b]!;
  }
  return p === 0 || q === 0 ? NaN : u / (p * q);
}

export interface ConfusionCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface PrecisionRecall {
  precision: number;
  recall: number;
  f1: number;
}

/** Counts at a threshold: anomalous when score ≥ threshold. */
export function confusionAt(scores: ArrayLike<number>, labels: ArrayLike<boolean>, threshold: number): ConfusionCounts {
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < scores.length; i++) {
    const predicted = scores[i]! >= threshold;
    if (labels[i]) predicted ? c.tp++ : c.fn++;
    else predicted ? c.fp++ : c.tn++;
  }
  return c;
}

/** Precision, recall and F1 from counts (0 where undefined: no predicted or no actual positives). */
export function precisionRecall(c: ConfusionCounts): PrecisionRecall {
  const precision = c.tp + c.fp ? c.tp / (c.tp + c.fp) : 0;
  const recall = c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/** Share of the actual negatives flagged (0 without negatives). */
export function falseAlarmRate(c: ConfusionCounts): number {
  return c.fp + c.tn ? c.fp / (c.fp + c.tn) : 0;
}

/**
 * Precision and F1 of a threshold with this recall and false-alarm rate on a line where `anomalyRate` of the
 * parts are anomalous (counts re-weighted from a test set with another mix, or expected from held-out scores).
 */
export function atAnomalyRate(recall: number, falseAlarms: number, anomalyRate: number): { precision: number; f1: number } {
  const tp = anomalyRate * recall;
  const fp = (1 - anomalyRate) * falseAlarms;
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  return { precision, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 };
}

export interface PrPoint extends PrecisionRecall {
  threshold: number;
}

/** Precision/recall/F1 at every distinct score used as the threshold, highest threshold first. */
export function prCurve(scores: ArrayLike<number>, labels: ArrayLike<boolean>): PrPoint[] {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i]) positives++;
  const points: PrPoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < n; ) {
    const threshold = scores[order[i]!]!;
    while (i < n && scores[order[i]!] === threshold) {
      if (labels[order[i]!]) tp++;
      else fp++;
      i++;
    }
    points.push({ threshold, ...precisionRecall({ tp, fp, fn: positives - tp, tn: 0 }) });
  }
  return points;
}

/**
 * The threshold with the highest F1 (ties: the highest threshold), placed halfway between that score and
 * the next lower one so that small score noise does not flip the boundary images.
 */
export function f1MaxThreshold(scores: ArrayLike<number>, labels: ArrayLike<boolean>): PrPoint {
  const curve = prCurve(scores, labels);
  if (curve.length === 0) return { threshold: Infinity, precision: 0, recall: 0, f1: 0 };
  let best = 0;
  for (let i = 1; i < curve.length; i++) if (curve[i]!.f1 > curve[best]!.f1) best = i;
  const lower = curve[best + 1]?.threshold;
  const t = curve[best]!.threshold;
  return { ...curve[best]!, threshold: lower === undefined ? t : (t + lower) / 2 };
}

/** Counts of verdicts against labels (the detector's own isAnomalous, whatever threshold it used). */
export function confusionOf(verdicts: ArrayLike<boolean>, labels: ArrayLike<boolean>): ConfusionCounts {
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < verdicts.length; i++) {
    if (labels[i]) verdicts[i] ? c.tp++ : c.fn++;
    else verdicts[i] ? c.fp++ : c.tn++;
  }
  return c;
}

/** Image-level figures of a set of verdicts: what `vigil eval` prints and EvaluationResult holds. */
export interface ImageFigures extends PrecisionRecall {
  counts: ConfusionCounts;
  /** Share of the actual normals flagged; null without normals. */
  falseAlarmRate: number | null;
}

export function imageFigures(verdicts: ArrayLike<boolean>, labels: ArrayLike<boolean>): ImageFigures {
  const counts = confusionOf(verdicts, labels);
  return { counts, ...precisionRecall(counts), falseAlarmRate: counts.fp + counts.tn === 0 ? null : falseAlarmRate(counts) };
}

export interface ClassOverlap {
  f1: number;
  iou: number;
}

/** Pixel figures of one anomaly class over a set of images (EvaluationResult's PixelAnomalyClassMetrics). */
export interface ClassPixelFigures extends PrecisionRecall {
  /** Over all pixels of the images (pooled). */
  iou: number;
  /** Mean per-image IoU over the images whose true map shows the class. */
  aiou: number;
  /** Images whose true map shows the class. */
  images: number;
}

/**
 * Per-class pixel counts between predicted and true class maps (0 = background, ignored), added image by
 * image: pooled precision, recall, F1 (Dice) and IoU, and the mean per-image IoU.
 */
export class PixelClassTally {
  private readonly tp: Float64Array;
  private readonly fp: Float64Array;
  private readonly fn: Float64Array;
  private readonly iouSum: Float64Array;
  private readonly images: Float64Array;

  constructor(readonly classCount: number) {
    this.tp = new Float64Array(classCount + 1);
    this.fp = new Float64Array(classCount + 1);
    this.fn = new Float64Array(classCount + 1);
    this.iouSum = new Float64Array(classCount + 1);
    this.images = new Float64Array(classCount + 1);
  }

  /** Adds one image's maps (the same size; class numbers 1..classCount). */
  add(predicted: Uint8Array, truth: Uint8Array): void {
    if (predicted.length !== truth.length) throw new RangeError(`class maps of ${predicted.length} and ${truth.length} pixels`);
    const n = this.classCount + 1;
    const tp = new Float64Array(n);
    const fp = new Float64Array(n);
    const fn = new Float64Array(n);
    for (let i = 0; i < predicted.length; i++) {
      const p = predicted[i]!;
      const t = truth[i]!;
      if (p === t) {
        if (p) tp[p]!++;
      } else {
        if (p) fp[p]!++;
        if (t) fn[t]!++;
      }
    }
    for (let c = 1; c < n; c++) {
      this.tp[c]! += tp[c]!;
      this.fp[c]! += fp[c]!;
      this.fn[c]! += fn[c]!;
      if (tp[c]! + fn[c]! > 0) {
        this.images[c]!++;
        this.iouSum[c]! += tp[c]! / (tp[c]! + fp[c]! + fn[c]!);
      }
    }
  }

  /** Figures of class c (1..classCount); undefined when no image showed or predicted it. */
  figures(c: number): ClassPixelFigures | undefined {
    const union = this.tp[c]! + this.fp[c]! + this.fn[c]!;
    if (union === 0) return undefined;
    return {
      ...precisionRecall({ tp: this.tp[c]!, fp: this.fp[c]!, fn: this.fn[c]!, tn: 0 }),
      iou: this.tp[c]! / union,
      aiou: this.images[c]! === 0 ? 0 : this.iouSum[c]! / this.images[c]!,
      images: this.images[c]!,
    };
  }
}

/**
 * Per-class pixel F1 (Dice) and IoU between predicted and true class maps (0 = background, ignored);
 * classes absent from both maps are left out.
 */
export function perClassOverlap(predicted: Uint8Array, truth: Uint8Array, classCount: number): Map<number, ClassOverlap> {
  const tally = new PixelClassTally(classCount);
  tally.add(predicted, truth);
  const out = new Map<number, ClassOverlap>();
  for (let c = 1; c <= classCount; c++) {
    const f = tally.figures(c);
    if (f) out.set(c, { f1: f.f1, iou: f.iou });
  }
  return out;
}
