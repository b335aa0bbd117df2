import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { AnomalyClass, AugmentationKind, DetectedAnomaly, OperatingPoint, TrainingImage } from '../ml/index.js';
import type { PixelClassMetrics } from './segmentationEvaluation.js';

export interface TrainingJobInput {
  train: TrainingImage[];
  /** Images the trained model is evaluated on (their labels stay with the caller); true masks for segmentation metrics. */
  test: { bytes: Uint8Array; mask?: Uint8Array; width: number; height: number }[];
  classes: AnomalyClass[];
  /** Extra views of the normal images (the model's `vigil:augment` tag). */
  augment: AugmentationKind;
  threads: number;
  seed: number;
  cacheDir?: string;
}

export interface TrainingJobOutput {
  artifact: Uint8Array;
  trainSeconds: number;
  detections: { isAnomalous: boolean; confidence: number; anomalies?: DetectedAnomaly[] }[];
  /** Segmentation models: per-label pixel metrics on the test images with masks. */
  pixelMetrics?: PixelClassMetrics[];
  /** What the model is expected to do on a line, estimated from its held-out training images. */
  operating: ExpectedOperation;
}

export interface ExpectedOperation {
  /** At the calibrated threshold (no vigil:false-alarm-rate tag). */
  calibrated: OperatingPoint;
  /** At a ladder of false-alarm-rate targets (the values a vigil:false-alarm-rate tag may take). */
  curve: (OperatingPoint & { target: number })[];
}

/** Trains in a worker thread with as many runtime threads as the machine has cores (at most 4). */
export function runTraining(input: Omit<TrainingJobInput, 'threads'>, signal: AbortSignal): Promise<TrainingJobOutput> {
  const data: TrainingJobInput = { ...input, threads: Math.min(4, cpus().length) };
  return new Promise((resolve, reject) => {
    // The image bytes move to the worker instead of being copied: the caller does not use them again,
    // and a copy would double the memory a large training set needs at this moment.
    const worker = new Worker(new URL('./trainingWorker.js', import.meta.url), { workerData: data, transferList: ownedBuffers(data) });
    let settled = false;
    const abort = () => void worker.terminate();
    signal.addEventListener('abort', abort, { once: true });
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', abort);
      action();
    };
    worker.once('message', (output: TrainingJobOutput) => finish(() => resolve(output)));
    worker.once('error', (error) => finish(() => reject(error)));
    worker.once('exit', (code) => finish(() => reject(new Error(signal.aborted ? 'training was stopped because Vigil shut down' : `the training worker exited with code ${code}`))));
  });
}

/**
 * The ArrayBuffers that hold nothing but one image or mask. A view into a larger buffer shares its
 * ArrayBuffer with other data (so do small Buffers from Node's pool), and moving it would take that too.
 */
function ownedBuffers(input: TrainingJobInput): ArrayBuffer[] {
  const owned = new Set<ArrayBuffer>();
  for (const image of [...input.train, ...input.test]) {
    for (const bytes of [image.bytes, image.mask]) {
      if (bytes && bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) owned.add(bytes.buffer);
    }
  }
  return [...owned];
}
