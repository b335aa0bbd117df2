import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { AnomalyClass, AnomalyHeadKind, AugmentationKind, DetectedAnomaly, OperatingPoint, SurfaceKind, TrainProgress } from '../ml/index.js';

/**
 * What the worker trains on: labels and which images have masks; the bytes themselves are read one at a
 * time when the worker gets to them (TrainingImageSource), so a large training set never sits in memory.
 */
export interface TrainingJobInput {
  train: { anomalous: boolean; mask: boolean }[];
  /** Images the trained model is evaluated on (their labels stay with the caller); true masks for segmentation metrics. */
  test: { mask: boolean; width: number; height: number }[];
  classes: AnomalyClass[];
  /** Extra views of the normal images (the model's `vigil:augment` tag). */
  augment: AugmentationKind;
  /** What the images show (the model's `vigil:surface` tag). */
  surface: SurfaceKind;
  /** What the labeled-anomaly head learns from (the model's `vigil:anomaly-head` tag). */
  anomalyHead: AnomalyHeadKind;
  threads: number;
  seed: number;
  cacheDir?: string;
}

/** Reads one image or mask of the job (in the calling thread: the service's sealed store stays there). */
export type TrainingImageSource = (set: 'train' | 'test', index: number, part: 'image' | 'mask') => Promise<Uint8Array>;

export interface TrainingJobOutput {
  artifact: Uint8Array;
  trainSeconds: number;
  /** Per test image; score is the anomaly score the verdict compared with the calibrated threshold. */
  detections: { isAnomalous: boolean; confidence: number; score: number; anomalies?: DetectedAnomaly[] }[];
  /** Segmentation models: per-label pixel metrics on the test images with masks. */
  pixelMetrics?: PixelClassMetrics[];
  /** What the model is expected to do on a line, estimated from its held-out training images. */
  operating: ExpectedOperation;
}

/** Per-label pixel metrics of a segmentation model, as EvaluationResult's PixelAnomalyClassMetrics. */
export interface PixelClassMetrics {
  className: string;
  precision: number;
  recall: number;
  f1Score: number;
  /** Mean intersection over union over the test images whose true mask shows the label. */
  aiou: number;
  /** Test images whose true mask shows the label. */
  images: number;
}

export interface ExpectedOperation {
  /** At the calibrated threshold (no vigil:false-alarm-rate tag). */
  calibrated: OperatingPoint;
  /** At a ladder of false-alarm-rate targets (the values a vigil:false-alarm-rate tag may take). */
  curve: (OperatingPoint & { target: number })[];
}

/** Training progress as the job reports it: the engine's stages, then the evaluation on the test images. */
export interface TrainingJobProgress {
  stage: TrainProgress['stage'] | 'evaluation';
  done: number;
  total: number;
}

/** Worker → caller. */
export type WorkerMessage =
  | { kind: 'read'; id: number; set: 'train' | 'test'; index: number; part: 'image' | 'mask' }
  | { kind: 'progress'; progress: TrainingJobProgress }
  | { kind: 'done'; output: TrainingJobOutput };
/** Caller → worker: the answer to a read. */
export type ReadReply = { id: number; bytes: Uint8Array } | { id: number; error: string };

/**
 * Trains in a worker thread with as many runtime threads as the machine has cores (at most 4). The worker
 * asks for each image when it needs it; the bytes are moved to it, not copied.
 */
export function runTraining(
  input: Omit<TrainingJobInput, 'threads'>,
  read: TrainingImageSource,
  signal: AbortSignal,
  onProgress: (p: TrainingJobProgress) => void = () => {},
): Promise<TrainingJobOutput> {
  const data: TrainingJobInput = { ...input, threads: Math.min(4, cpus().length) };
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./trainingWorker.js', import.meta.url), { workerData: data });
    let settled = false;
    const abort = () => void worker.terminate();
    signal.addEventListener('abort', abort, { once: true });
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', abort);
      action();
    };
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'progress') onProgress(message.progress);
      else if (message.kind === 'done') finish(() => resolve(message.output));
      else {
        read(message.set, message.index, message.part).then(
          (bytes) => worker.postMessage({ id: message.id, bytes } satisfies ReadReply, movable(bytes)),
          (error: unknown) => worker.postMessage({ id: message.id, error: (error as Error).message } satisfies ReadReply),
        );
      }
    });
    worker.once('error', (error) => finish(() => reject(error)));
    worker.once('exit', (code) => finish(() => reject(new Error(signal.aborted ? 'training was stopped because Vigil shut down' : `the training worker exited with code ${code}`))));
  });
}

/**
 * The image's ArrayBuffer when it holds nothing else. A view into a larger buffer shares its ArrayBuffer
 * with other data (so do small Buffers from Node's pool), and moving it would take that too: those are copied.
 */
function movable(bytes: Uint8Array): ArrayBuffer[] {
  return bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? [bytes.buffer] : [];
}
