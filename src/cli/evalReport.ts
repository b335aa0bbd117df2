/* What `vigil eval` reports (src/cli/eval.ts), and its text form for a terminal (--json prints the object itself). */
import type { AugmentationKind } from '../ml/index.js';

export interface EvalReport {
  imageAUROC: number;
  /** At the model's default threshold, on the test images as they are. */
  f1: number;
  precision: number;
  recall: number;
  threshold: number;
  /** Share of the test normals flagged at that threshold. */
  falseAlarmRate: number;
  /** What training expected at that threshold (held-out training scores; recall null without labeled anomalies). */
  expectedFalseAlarmRate: number;
  expectedRecall: number | null;
  /**
   * The test set re-weighted to a line's anomaly rate (`lineAnomalyRate`, default 7 %): F1 and precision at the
   * default threshold, and the best F1 any threshold could reach there (what the ranking allows).
   */
  line: { anomalyRate: number; f1: number; precision: number; bestF1: number };
  /** Reliability of the anomaly probability on the test images: expected calibration error over 10 equal-width bins. */
  probabilityCalibrationError: number;
  pixelAUROC: number | null;
  trainSeconds: number;
  trainTimings: Record<string, number>;
  msPerImage: number;
  /** The split's seed; null with a test folder. */
  seed: number | null;
  trainingSeed: number;
  trainImages: { normal: number; anomaly: number };
  testImages: { normal: number; anomaly: number };
  resolution: string;
  bankSize: number;
  /** The coreset's candidate patches (all of them up to the bound) and the normals scored leave-one-out. */
  coresetCandidates: number;
  heldOutNormals: number;
  featureDim: number;
  /** Whether the image score was re-weighted (PatchCore eq. 7). */
  reweight: boolean;
  /** The global descriptor fused with the patch score ('none': patch score alone). */
  globalScore: string;
  /** Extra views of the training normals in the bank ('none', 'tilt' or 'any-orientation'). */
  augmentation: AugmentationKind;
  head: { used: boolean; patchcoreAUROC: number; headAUROC: number } | null;
  /** Segmentation projects: the working resolutions tried on the training masks (pixel AUROC each). */
  search: { criterion: string; trials: Array<{ width: number; height: number; score: number; seconds: number }> } | null;
  /** Tiles per image (1: one backbone pass). */
  tiles: number;
  /**
   * Per anomaly class over the test images with masks (segmentation), the returned mask against the true one at
   * the image's size: pixel precision, recall, F1 and IoU over all their pixels, and the mean per-image IoU
   * (EvaluationResult's AIOU) over the `images` whose true mask shows the class.
   */
  perClass: Array<{ name: string; color: string; precision: number; recall: number; f1: number; iou: number; aiou: number; images: number }>;
  /** Precision / recall / F1 at every distinct test score as the threshold. */
  prCurve: Array<{ threshold: number; precision: number; recall: number; f1: number }>;
  /** Per test image: its label, score and verdict. */
  images: Array<{ name: string; anomalous: boolean; score: number; isAnomalous: boolean; confidence: number; anomalyProbability: number }>;
}

/** The report as lines for a person: the figures, then the training and detection costs. */
export function formatEvalReport(report: EvalReport): string {
  const f = (v: number | null, digits = 3): string => (v === null || Number.isNaN(v) ? 'n/a' : v.toFixed(digits));
  const pct = (v: number): string => `${(100 * v).toFixed(1)} %`;
  return `${[
    `image AUROC   ${f(report.imageAUROC)}`,
    `F1            ${f(report.f1)}  (precision ${f(report.precision)}, recall ${f(report.recall)}, threshold ${f(report.threshold, 4)})`,
    `false alarms  ${pct(report.falseAlarmRate)} of the test normals (training expected ${pct(report.expectedFalseAlarmRate)}${report.expectedRecall === null ? '' : `, recall ${f(report.expectedRecall)}`})`,
    `probability   calibration error ${f(report.probabilityCalibrationError)} (10 bins, test images)`,
    `at ${pct(report.line.anomalyRate)} anomalies  F1 ${f(report.line.f1)}, precision ${f(report.line.precision)} (best threshold: F1 ${f(report.line.bestF1)})`,
    `pixel AUROC   ${f(report.pixelAUROC)}`,
    ...report.perClass.map((c) => `  ${c.name.padEnd(12)} pixel F1 ${f(c.f1)}, IoU ${f(c.iou)}`),
    `train         ${report.trainSeconds.toFixed(1)} s  (${report.trainImages.normal} normal + ${report.trainImages.anomaly} anomalous images, ${report.resolution}, bank ${report.bankSize}${report.augmentation === 'none' ? '' : `, ${report.augmentation} views`})`,
    `detect        ${report.msPerImage.toFixed(1)} ms per image  (${report.testImages.normal} normal + ${report.testImages.anomaly} anomalous test images, 1 thread)`,
    ...(report.seed !== null ? [`split seed    ${report.seed}`] : []),
  ].join('\n')}\n`;
}
