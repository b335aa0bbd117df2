/*
 * Worker thread that trains one model and evaluates it on the test images, so that the CPU-heavy
 * work never blocks the API's event loop. Images are asked of the caller one at a time as training
 * reaches them (see modelTraining.ts); progress goes back at each stage and every tenth of a stage.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadDetector, operatingPoint, type TrainingImage, train } from '../ml/index.js';
import { MaskEvaluation } from '../ml/maskEvaluation.js';
import type { ReadReply, TrainingJobInput, TrainingJobOutput, TrainingJobProgress, WorkerMessage } from './modelTraining.js';

/** False-alarm-rate targets of the operating curve: a 1-2-5 ladder over the range a target may take (0.0001..0.5). */
const CURVE_TARGETS = [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5];

const input = workerData as TrainingJobInput;
const port = parentPort!;
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

const waiting = new Map<number, { resolve: (bytes: Uint8Array) => void; reject: (error: Error) => void }>();
let nextId = 0;
const onReply = (reply: ReadReply): void => {
  const w = waiting.get(reply.id);
  waiting.delete(reply.id);
  if ('bytes' in reply) w?.resolve(reply.bytes);
  else w?.reject(new Error(reply.error));
};
port.on('message', onReply);
const read = (set: 'train' | 'test', index: number, part: 'image' | 'mask') => (): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    const id = nextId++;
    waiting.set(id, { resolve, reject });
    post({ kind: 'read', id, set, index, part });
  });

let last = { stage: '', tenth: -1 };
const report = (progress: TrainingJobProgress): void => {
  const tenth = progress.total ? Math.floor((10 * progress.done) / progress.total) : 10;
  if (progress.stage === last.stage && tenth === last.tenth) return;
  last = { stage: progress.stage, tenth };
  post({ kind: 'progress', progress });
};

const images: TrainingImage[] = input.train.map((image, k) => ({
  bytes: read('train', k, 'image'),
  anomalous: image.anomalous,
  mask: image.mask ? read('train', k, 'mask') : undefined,
}));
const result = await train(images, {
  classes: input.classes,
  augment: input.augment,
  surface: input.surface,
  anomalyHead: input.anomalyHead,
  threads: input.threads,
  seed: input.seed,
  cacheDir: input.cacheDir,
  onProgress: report,
});
const detector = await loadDetector(result.artifact, { threads: input.threads, cacheDir: input.cacheDir });
const detections: TrainingJobOutput['detections'] = [];
// Images without a true mask are left out of the pixel figures.
const segmentation = input.classes.length > 0 ? new MaskEvaluation(input.classes) : undefined;
for (const [k, image] of input.test.entries()) {
  const detection = await detector.detect(await read('test', k, 'image')());
  detections.push({ isAnomalous: detection.isAnomalous, confidence: detection.confidence, score: detection.score, anomalies: detection.anomalies });
  if (segmentation && image.mask && detection.mask) await segmentation.add(detection.mask, await read('test', k, 'mask')(), image);
  report({ stage: 'evaluation', done: k + 1, total: input.test.length });
}
const operating = {
  calibrated: operatingPoint(detector.model),
  curve: CURVE_TARGETS.map((target) => ({ target, ...operatingPoint(detector.model, target) })),
};
const output: TrainingJobOutput = { artifact: result.artifact, trainSeconds: result.metrics.trainSeconds, detections, pixelMetrics: segmentation?.result().map(pixelClassMetrics), operating };
port.off('message', onReply);

function pixelClassMetrics({ class: c, figures: f }: ReturnType<MaskEvaluation['result']>[number]): NonNullable<TrainingJobOutput['pixelMetrics']>[number] {
  return { className: c.name, precision: f?.precision ?? 0, recall: f?.recall ?? 0, f1Score: f?.f1 ?? 0, aiou: f?.aiou ?? 0, images: f?.images ?? 0 };
}
post({ kind: 'done', output }, [result.artifact.buffer as ArrayBuffer]);
