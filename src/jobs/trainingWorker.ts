/*
 * Worker thread that trains one model and evaluates it on the test images, so that the CPU-heavy
 * work never blocks the API's event loop. Input and output are plain data (see modelTraining.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadDetector, operatingPoint, train } from '../ml/index.js';
import type { TrainingJobInput, TrainingJobOutput } from './modelTraining.js';
import { SegmentationEvaluation } from './segmentationEvaluation.js';

/** False-alarm-rate targets of the operating curve: a 1-2-5 ladder over the range a target may take (0.0001..0.5). */
const CURVE_TARGETS = [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5];

const input = workerData as TrainingJobInput;
const result = await train(input.train, { classes: input.classes, augment: input.augment, threads: input.threads, seed: input.seed, cacheDir: input.cacheDir });
const detector = await loadDetector(result.artifact, { threads: input.threads, cacheDir: input.cacheDir });
const detections: TrainingJobOutput['detections'] = [];
const segmentation = input.classes.length > 0 ? new SegmentationEvaluation(input.classes) : undefined;
for (const image of input.test) {
  const detection = await detector.detect(image.bytes);
  detections.push({ isAnomalous: detection.isAnomalous, confidence: detection.confidence, anomalies: detection.anomalies });
  if (segmentation && image.mask && detection.mask) await segmentation.add(image.mask, detection.mask, image);
}
const operating = {
  calibrated: operatingPoint(detector.model),
  curve: CURVE_TARGETS.map((target) => ({ target, ...operatingPoint(detector.model, target) })),
};
const output: TrainingJobOutput = { artifact: result.artifact, trainSeconds: result.metrics.trainSeconds, detections, pixelMetrics: segmentation?.result(), operating };
parentPort!.postMessage(output, [result.artifact.buffer as ArrayBuffer]);
