/*
 * The `Vigil` member of a model's evaluation result file (EvaluationResult-<project>-<version>.json): what the
 * model is expected to do on a production line, beside Lookout for Vision's precision, recall and F1 on the
 * test images. Lookout for Vision clients read only the members they know, so they are unaffected.
 *
 * Expected figures are estimated from held-out training images, never the test images: the false-alarm rate
 * from the held-out normals' scores (with a fitted tail, so a few dozen normals can speak about 1 %), the recall
 * as the share of held-out labeled anomalies caught (null when the model was trained on normals only). The
 * curve gives them for each false-alarm-rate target on a ladder, for choosing a `vigil:false-alarm-rate` tag.
 * The measured false-alarm rate is that of the test normals at the calibrated threshold. The thresholds (calibrated
 * and per target) are on the scale of the `vigil-anomaly-score` each evaluation manifest line carries, so a reader
 * can tell how each test image would have been judged at any point of the curve.
 */
import type { ExpectedOperation } from '../jobs/modelRuntime.js';

export interface VigilEvaluation {
  /** The calibrated threshold, the one used without a vigil:false-alarm-rate tag: a test image's `vigil-anomaly-score` at or above it is an anomaly. */
  Threshold: number;
  /** At the calibrated threshold. */
  ExpectedFalseAlarmRate: number;
  ExpectedRecall: number | null;
  OperatingCurve: OperatingCurvePoint[];
  /** Share of the test normals flagged at the calibrated threshold; null without test normals. */
  MeasuredFalseAlarmRate: number | null;
  NumberOfTestingNormalImages: number;
}

export interface OperatingCurvePoint {
  FalseAlarmRateTarget: number;
  /** The threshold the target sets. */
  Threshold: number;
  ExpectedFalseAlarmRate: number;
  ExpectedRecall: number | null;
}

export function vigilEvaluation(operating: ExpectedOperation, measuredFalseAlarmRate: number | null, testNormals: number): VigilEvaluation {
  return {
    Threshold: operating.calibrated.threshold,
    ExpectedFalseAlarmRate: operating.calibrated.falseAlarmRate,
    ExpectedRecall: operating.calibrated.recall,
    OperatingCurve: operating.curve.map((p) => ({ FalseAlarmRateTarget: p.target, Threshold: p.threshold, ExpectedFalseAlarmRate: p.falseAlarmRate, ExpectedRecall: p.recall })),
    MeasuredFalseAlarmRate: measuredFalseAlarmRate,
    NumberOfTestingNormalImages: testNormals,
  };
}

/** The Vigil member of an evaluation result file's JSON, or undefined for a model evaluated before Vigil wrote one. */
export function readVigilEvaluation(result: unknown): VigilEvaluation | undefined {
  const member = (result as { Vigil?: Partial<VigilEvaluation> } | null)?.Vigil;
  if (!member || typeof member.ExpectedFalseAlarmRate !== 'number' || !Array.isArray(member.OperatingCurve)) return undefined;
  return member as VigilEvaluation;
}
