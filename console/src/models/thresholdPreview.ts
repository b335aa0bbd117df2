import type { EvaluationResult, TestImageResult } from './evaluationFiles';

type Label = 'normal' | 'anomaly';

/** What a threshold of the operating curve would have decided on the test images. */
export interface ThresholdPreview {
  /** The verdict at the threshold, by source-ref. */
  verdicts: Map<string, Label>;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
  /** Test images whose verdict differs from the one at the calibrated threshold (the evaluation manifest's). */
  changed: number;
}

/**
 * The threshold at a slider position (0: calibrated, n: the operating curve's nth target), or undefined where the
 * evaluation result predates Vigil's thresholds.
 */
export function thresholdAt(vigil: NonNullable<EvaluationResult['Vigil']>, position: number): number | undefined {
  return position === 0 ? vigil.Threshold : vigil.OperatingCurve[position - 1]?.Threshold;
}

/**
 * The test images judged at `threshold` from their scores (a score at or above it is an anomaly, as the model
 * decides); undefined when a test image has no score (evaluated before Vigil wrote them).
 */
export function previewAt(results: readonly TestImageResult[], threshold: number | undefined): ThresholdPreview | undefined {
  if (threshold === undefined || results.some((r) => r.score === undefined)) return undefined;
  const preview: ThresholdPreview = { verdicts: new Map(), truePositives: 0, falsePositives: 0, falseNegatives: 0, trueNegatives: 0, changed: 0 };
  for (const r of results) {
    const verdict: Label = (r.score as number) >= threshold ? 'anomaly' : 'normal';
    preview.verdicts.set(r.sourceRef, verdict);
    if (verdict !== r.predicted) preview.changed += 1;
    const flagged = verdict === 'anomaly';
    if (r.actual === 'anomaly' && flagged) preview.truePositives += 1;
    else if (r.actual === 'anomaly') preview.falseNegatives += 1;
    else if (r.actual === 'normal' && flagged) preview.falsePositives += 1;
    else if (r.actual === 'normal') preview.trueNegatives += 1;
  }
  return preview;
}
