/*
 * The ML runtime as the services see it: train a model from images the caller reads on demand, and host a
 * trained artifact on inference units. The services import only this module from jobs/ and ml/, so an edge
 * agent or a worker node can offer the same interface (in another process, on another machine) without
 * the services changing. `localModelRuntime` is the in-process one: worker threads on this machine.
 */
import type { Detection } from '../ml/index.js';
import { InferencePool, PoolBusyError } from './inferencePool.js';
import { runTraining, type TrainingImageSource, type TrainingJobInput, type TrainingJobOutput, type TrainingJobProgress } from './modelTraining.js';

export type { Detection } from '../ml/index.js';
export type { ExpectedOperation, PixelClassMetrics, TrainingImageSource, TrainingJobOutput, TrainingJobProgress } from './modelTraining.js';

/** What a training job needs besides the images: their labels, mask flags, classes and settings. */
export type TrainingJob = Omit<TrainingJobInput, 'threads' | 'cacheDir'>;

/** A model on its inference units. */
export interface HostedModel {
  /** Rejects with RuntimeBusyError when every unit is busy and the queue is full, or the model is stopping. */
  /** anomalyLevels: also the anomaly map as a PNG (Detection.anomalyLevels). */
  detect(image: Uint8Array, options: { falseAlarmRate?: number; anomalyLevels?: boolean }): Promise<Detection>;
  /** Units running now. */
  readonly inService: number;
  stop(): Promise<void>;
}

export interface ModelRuntime {
  /** Trains and evaluates on the job's test images; `read` is asked for each image or mask when it is needed. */
  train(job: TrainingJob, read: TrainingImageSource, signal: AbortSignal, onProgress?: (progress: TrainingJobProgress) => void): Promise<TrainingJobOutput>;
  /** Loads the artifact on `min` units (up to `max` under load); rejects when the model cannot be loaded. */
  host(artifact: Uint8Array, units: { min: number; max: number }): Promise<HostedModel>;
}

/** The image's pixels could not be decoded (truncated, corrupt): the client's image, not a fault. */
export { ImageFormatError } from '../ml/index.js';
/** Requests one inference unit holds at once: the one it works on and those waiting for it (beyond them, 429). */
export { REQUESTS_PER_UNIT } from './inferencePool.js';
/** The runtime cannot take the request now; the caller may retry shortly. */
export { PoolBusyError as RuntimeBusyError };

/** Training and inference in worker threads of this process; `cacheDir` holds the converted backbone. */
export function localModelRuntime(options: { cacheDir?: string } = {}): ModelRuntime {
  return {
    train: (job, read, signal, onProgress) => runTraining({ ...job, cacheDir: options.cacheDir }, read, signal, onProgress),
    host: (artifact, units) => InferencePool.start(artifact, { ...units, cacheDir: options.cacheDir }),
  };
}
