/*
 * A trained model's evaluation on its test images, in Lookout for Vision's two files in the model's output
 * location: EvaluationManifest-<project>-<version>.json (each test image's manifest line with the model's
 * verdict added) and EvaluationResult-<project>-<version>.json (precision, recall and F1, per-class pixel
 * figures for segmentation models, and Vigil's own expected figures; see vigilEvaluation.ts). The figures
 * come from ml/metrics.ts, as `vigil eval`'s do.
 */
import { Readable } from 'node:stream';
import type { TrainingJobOutput } from '../jobs/modelRuntime.js';
import { imageFigures } from '../ml/metrics.js';
import type { ModelRecord } from '../store/modelRecords.js';
import type { Buckets } from './buckets.js';
import type { StoredEntry } from './datasetContents.js';
import { vigilEvaluation } from './vigilEvaluation.js';

export interface ModelPerformance {
  precision: number;
  recall: number;
  f1Score: number;
}

export interface EvaluationFiles {
  performance: ModelPerformance;
  /** The manifest file's lines, newline-terminated. */
  manifest: string;
  result: object;
}

/** The two files' contents for a model whose test images `test` got `output.detections`, in order. */
export function evaluationFiles(model: ModelRecord, test: StoredEntry[], output: TrainingJobOutput, trainingImages: number, end: Date): EvaluationFiles {
  const labels = test.map((entry) => entry.label === 'anomaly');
  const figures = imageFigures(
    output.detections.map((d) => d.isAnomalous),
    labels,
  );
  const lines = test.map((entry, i) => {
    const detected = output.detections[i];
    return JSON.stringify({
      ...JSON.parse(entry.text),
      'anomaly-label-detected': detected.isAnomalous ? 1 : 0,
      'anomaly-label-detected-metadata': {
        'class-name': detected.isAnomalous ? 'anomaly' : 'normal',
        confidence: detected.confidence,
        type: 'groundtruth/image-classification',
        'human-annotated': 'no',
        'creation-date': end.toISOString(),
        'job-name': `training-job/${model.projectName}-${model.version}`,
        'model-arn': model.arn,
        'project-name': model.projectName,
        'model-version': String(model.version),
        // Vigil's: the score the verdict compared with the threshold, so that a reader can tell what another
        // threshold of the operating curve (Vigil.OperatingCurve[].Threshold) would have decided.
        'vigil-anomaly-score': detected.score,
      },
    });
  });
  const performance = { precision: figures.precision, recall: figures.recall, f1Score: figures.f1 };
  const normals = figures.counts.fp + figures.counts.tn;
  const result = {
    Version: 1,
    EvaluationDetails: {
      ModelArn: model.arn,
      EvaluationEndTimestamp: end.toISOString(),
      NumberOfTrainingImages: trainingImages,
      NumberOfTestingImages: test.length,
    },
    AggregatedEvaluationResults: {
      Metrics: {
        Precision: figures.precision,
        Recall: figures.recall,
        F1Score: figures.f1,
        PixelAnomalyClassMetrics: output.pixelMetrics?.map((m) => ({
          ClassName: m.className,
          Precision: m.precision,
          Recall: m.recall,
          F1Score: m.f1Score,
          AIOU: m.aiou,
          NumberOfTestingImages: m.images,
        })),
      },
    },
    // Vigil's own figures, in a member of their own that Lookout for Vision clients do not look at.
    Vigil: vigilEvaluation(output.operating, figures.falseAlarmRate, normals),
  };
  return { performance, manifest: `${lines.join('\n')}\n`, result };
}

/**
 * Writes the evaluation files into the model's output location and returns their keys with the figures. A model
 * under a customer key keeps its evaluation under that key too; otherwise the bucket's default applies.
 */
export async function writeEvaluation(
  buckets: Buckets,
  defaultKeyId: string,
  model: ModelRecord,
  test: StoredEntry[],
  output: TrainingJobOutput,
  trainingImages: number,
): Promise<{ performance: ModelPerformance; manifestKey: string; resultKey: string; end: Date }> {
  const end = new Date();
  const files = evaluationFiles(model, test, output, trainingImages, end);
  const name = `${model.projectName}-${model.version}`;
  const manifestKey = `${model.outputPrefix}EvaluationManifest-${name}.json`;
  const resultKey = `${model.outputPrefix}EvaluationResult-${name}.json`;
  const sse = model.kmsKeyId === defaultKeyId ? undefined : { algorithm: 'aws:kms' as const, kmsKeyId: model.kmsKeyId };
  await buckets.putObject({ bucket: model.outputBucket, key: manifestKey, body: Readable.from([Buffer.from(files.manifest)]), sse });
  await buckets.putObject({ bucket: model.outputBucket, key: resultKey, body: Readable.from([Buffer.from(JSON.stringify(files.result))]), sse });
  return { performance: files.performance, manifestKey, resultKey, end };
}
