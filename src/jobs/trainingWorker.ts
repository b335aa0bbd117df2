/*
 * Worker thread that trains one model and evaluates it on the test images, so that the CPU-heavy
 * work never blocks the API's event loop. Input and output are plain data (see modelTraining.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadDetector, train } from '../ml/index.js';
import type { TrainingJobInput, TrainingJobOutput } from './modelTraining.js';
import { SegmentationEvaluation } from './segmentationEvaluation.js';

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
const output: TrainingJobOutput = { artifact: result.artifact, trainSeconds: result.metrics.trainSeconds, detections, pixelMetrics: segmentation?.result() };
parentPort!.postMessage(output, [result.artifact.buffer as ArrayBuffer]);
