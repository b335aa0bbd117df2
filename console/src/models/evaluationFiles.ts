import type { ModelDescription } from '@aws-sdk/client-lookoutvision';
import type { Clients } from '../clients';
import { getObjectText } from '../s3Objects';

/** One pixel class's figures in EvaluationResult (segmentation models). */
export interface PixelClassMetrics {
  ClassName: string;
  Precision: number;
  Recall: number;
  F1Score: number;
  AIOU: number;
  NumberOfTestingImages: number;
}

/** A point of Vigil's operating curve: what a vigil:false-alarm-rate target is expected to do. */
export interface OperatingPoint {
  FalseAlarmRateTarget: number;
  /** The threshold the target sets, on the scale of the test images' scores (absent in older evaluations). */
  Threshold?: number;
  ExpectedFalseAlarmRate: number;
  ExpectedRecall: number | null;
}

/** The parts of EvaluationResult-<project>-<version>.json the console shows (Vigil's own figures in its Vigil member). */
export interface EvaluationResult {
  EvaluationDetails?: { NumberOfTrainingImages?: number; NumberOfTestingImages?: number };
  AggregatedEvaluationResults?: { Metrics?: { PixelAnomalyClassMetrics?: PixelClassMetrics[] } };
  Vigil?: {
    /** The calibrated threshold (absent in older evaluations). */
    Threshold?: number;
    ExpectedFalseAlarmRate: number;
    ExpectedRecall: number | null;
    OperatingCurve: OperatingPoint[];
    MeasuredFalseAlarmRate: number | null;
    NumberOfTestingNormalImages: number;
  };
}

/** One test image of EvaluationManifest: its label and the model's verdict on it. */
export interface TestImageResult {
  sourceRef: string;
  actual: 'normal' | 'anomaly' | undefined;
  predicted: 'normal' | 'anomaly';
  confidence: number | undefined;
  /** The anomaly score the verdict compared with the calibrated threshold (Vigil's vigil-anomaly-score; absent in older evaluations). */
  score: number | undefined;
}

/** The evaluation result file the model's DescribeModel points at; undefined before evaluation. */
export async function readEvaluationResult(clients: Clients, model: ModelDescription): Promise<EvaluationResult | undefined> {
  const at = model.EvaluationResult;
  if (!at?.Bucket || !at.Key) return undefined;
  return JSON.parse(await getObjectText(clients.s3, at.Bucket, at.Key)) as EvaluationResult;
}

const DETECTED = 'anomaly-label-detected';

/** The test images with the verdicts the evaluation manifest adds to each line. */
export async function readTestResults(clients: Clients, model: ModelDescription): Promise<TestImageResult[]> {
  const at = model.EvaluationManifest;
  if (!at?.Bucket || !at.Key) return [];
  const text = await getObjectText(clients.s3, at.Bucket, at.Key);
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const json = JSON.parse(line) as Record<string, unknown>;
      const detected = (json[`${DETECTED}-metadata`] ?? {}) as { 'class-name'?: string; confidence?: number; 'vigil-anomaly-score'?: number };
      let actual: TestImageResult['actual'];
      for (const [name, value] of Object.entries(json)) {
        const meta = value as { type?: string; 'class-name'?: string };
        if (!name.endsWith('-metadata') || name === `${DETECTED}-metadata` || meta?.type !== 'groundtruth/image-classification') continue;
        const className = String(meta['class-name'] ?? '').toLowerCase();
        if (className === 'normal' || className === 'anomaly') actual = className;
      }
      return {
        sourceRef: String(json['source-ref'] ?? ''),
        actual,
        predicted: detected['class-name'] === 'anomaly' ? 'anomaly' : 'normal',
        confidence: detected.confidence,
        score: typeof detected['vigil-anomaly-score'] === 'number' ? detected['vigil-anomaly-score'] : undefined,
      };
    });
}
