import { Worker } from 'node:worker_threads';
import { type Detection, ImageFormatError } from '../ml/index.js';

/** Requests waiting for a unit, per unit in service, before DetectAnomalies answers 429. */
const QUEUE_PER_UNIT = 8;
/** Requests one unit holds at once: the one it works on and those waiting for it. */
export const REQUESTS_PER_UNIT = 1 + QUEUE_PER_UNIT;
/** A unit above the minimum that has had nothing to do this long is stopped. */
const IDLE_SCALE_DOWN_MS = 60_000;

export class PoolBusyError extends Error {
  override readonly name = 'PoolBusyError';
}

interface Unit {
  worker: Worker;
  /** Id of the request it is working on. */
  current?: number;
  idleSince: number;
}

interface Waiting {
  image: Uint8Array;
  /** The model's false-alarm-rate target when the request arrived (undefined: its calibrated threshold). */
  falseAlarmRate: number | undefined;
  /** Whether the anomaly map is wanted as a PNG too (Vigil's x-vigil-anomaly-map). */
  anomalyLevels: boolean;
  resolve(detection: Detection): void;
  reject(error: Error): void;
}

/**
 * The inference units of one hosted model: worker threads that each hold the model. It runs
 * between `min` and `max` units, adding one while requests queue and every unit is busy, and
 * stopping extra units after a minute without work. The queue is bounded: when it is full, a
 * request is refused at once (PoolBusyError) rather than held in memory.
 */
export class InferencePool {
  private readonly units = new Set<Unit>();
  private readonly queue: Waiting[] = [];
  private readonly pending = new Map<number, Waiting>();
  private nextId = 1;
  private starting = 0;
  private stopped = false;
  private readonly idleTimer: NodeJS.Timeout;

  private constructor(
    private readonly artifact: Uint8Array,
    private readonly min: number,
    private readonly max: number,
    private readonly cacheDir: string | undefined,
  ) {
    this.idleTimer = setInterval(() => this.scaleDown(), IDLE_SCALE_DOWN_MS / 4).unref();
  }

  /** Starts `min` units; resolves once each holds the model (a model that cannot load rejects). */
  static async start(artifact: Uint8Array, options: { min: number; max: number; cacheDir?: string }): Promise<InferencePool> {
    const pool = new InferencePool(artifact, options.min, Math.max(options.min, options.max), options.cacheDir);
    try {
      await Promise.all(Array.from({ length: options.min }, () => pool.addUnit()));
    } catch (error) {
      await pool.stop();
      throw error;
    }
    return pool;
  }

  get inService(): number {
    return this.units.size;
  }

  /**
   * Detects with the false-alarm-rate target given (default: the model's calibrated threshold). The target
   * travels with the request, so a changed setting applies from the next request on, whichever unit takes it.
   */
  detect(image: Uint8Array, options: { falseAlarmRate?: number; anomalyLevels?: boolean } = {}): Promise<Detection> {
    if (this.stopped) return Promise.reject(new PoolBusyError('the model is being stopped'));
    if (this.queue.length >= QUEUE_PER_UNIT * Math.max(1, this.units.size)) {
      return Promise.reject(new PoolBusyError('every inference unit is busy and the queue is full; retry shortly'));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ image, falseAlarmRate: options.falseAlarmRate, anomalyLevels: options.anomalyLevels === true, resolve, reject });
      this.dispatch();
      if (this.queue.length > 0 && this.units.size + this.starting < this.max) void this.addUnit().catch(() => undefined);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.idleTimer);
    for (const waiting of this.queue.splice(0)) waiting.reject(new PoolBusyError('the model was stopped'));
    await Promise.all(
      [...this.units].map((unit) => {
        unit.worker.removeAllListeners();
        return unit.worker.terminate();
      }),
    );
    this.units.clear();
    for (const waiting of this.pending.values()) waiting.reject(new PoolBusyError('the model was stopped'));
    this.pending.clear();
  }

  private async addUnit(): Promise<void> {
    this.starting += 1;
    let worker: Worker;
    try {
      worker = new Worker(new URL('./inferenceWorker.js', import.meta.url), { workerData: { artifact: this.artifact, cacheDir: this.cacheDir } });
      await new Promise<void>((resolve, reject) => {
        const failed = (error: Error) => {
          worker.off('message', loaded);
          worker.off('exit', exited);
          reject(error);
        };
        const exited = (code: number) => failed(new Error(`an inference unit exited with code ${code} while loading the model`));
        const loaded = () => {
          worker.off('error', failed);
          worker.off('exit', exited);
          resolve();
        };
        worker.once('message', loaded);
        worker.once('error', failed);
        worker.once('exit', exited);
      });
    } finally {
      this.starting -= 1;
    }
    if (this.stopped) {
      await worker.terminate();
      return;
    }
    const unit: Unit = { worker, idleSince: Date.now() };
    worker.on('message', (message: { id: number; detection?: Detection; error?: { name: string; message: string } }) => {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      unit.current = undefined;
      unit.idleSince = Date.now();
      if (waiting) {
        if (message.detection) waiting.resolve(message.detection);
        else waiting.reject(workerError(message.error));
      }
      this.dispatch();
    });
    // A unit that dies fails only the request it held; the others go on.
    const lost = () => {
      this.units.delete(unit);
      if (unit.current !== undefined) {
        this.pending.get(unit.current)?.reject(new Error('the inference unit stopped unexpectedly'));
        this.pending.delete(unit.current);
      }
      if (!this.stopped && this.units.size + this.starting < this.min) void this.addUnit().catch(() => undefined);
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    this.units.add(unit);
    this.dispatch();
  }

  private dispatch(): void {
    for (const unit of this.units) {
      if (unit.current !== undefined || this.queue.length === 0) continue;
      const waiting = this.queue.shift()!;
      const id = this.nextId++;
      unit.current = id;
      this.pending.set(id, waiting);
      unit.worker.postMessage({ id, image: waiting.image, falseAlarmRate: waiting.falseAlarmRate, anomalyLevels: waiting.anomalyLevels });
    }
  }

  private scaleDown(): void {
    const now = Date.now();
    for (const unit of this.units) {
      if (this.units.size <= this.min) return;
      if (unit.current === undefined && now - unit.idleSince > IDLE_SCALE_DOWN_MS) {
        this.units.delete(unit);
        unit.worker.removeAllListeners();
        void unit.worker.terminate();
      }
    }
  }
}

/**
 * An error a unit reported, rebuilt on this side of the thread boundary: an image the engine cannot
 * decode comes back as the ImageFormatError it was, so callers can answer it as the client's fault.
 */
function workerError(error: { name: string; message: string } | undefined): Error {
  if (error?.name === 'ImageFormatError') return new ImageFormatError(error.message);
  return Object.assign(new Error(error?.message ?? 'detection failed'), { name: error?.name ?? 'Error' });
}
