import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { type Detector, loadDetector } from '../ml/index.js';
import { openArchive, PACKAGE_FILES, type PackageManifest, parsePackageKeyFile } from '../service/modelPackageFormat.js';
import { installedComponents } from './edgeStore.js';

/** Model statuses of the Edge Agent API (edge-agent.proto ModelStatus). */
export const EdgeModelStatus = { STOPPED: 0, STARTING: 1, RUNNING: 2, FAILED: 3, STOPPING: 4 } as const;
export type EdgeModelStatus = (typeof EdgeModelStatus)[keyof typeof EdgeModelStatus];

/** gRPC status codes the Edge Agent API documents. */
export const EdgeCode = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, INTERNAL: 13 } as const;

export class EdgeError extends Error {
  constructor(
    readonly code: (typeof EdgeCode)[keyof typeof EdgeCode],
    message: string,
  ) {
    super(message);
  }
}

/** The proto's Bitmap: packed RGB888, or a shared-memory handle (not supported). */
export interface Bitmap {
  width?: number;
  height?: number;
  byte_data?: Buffer | Uint8Array;
  shared_memory_handle?: unknown;
  data?: string;
}

export interface EdgeDetection {
  is_anomalous: boolean;
  confidence: number;
  anomaly_mask?: { width: number; height: number; byte_data: Buffer };
  anomalies: { name: string; pixel_anomaly: { total_percentage_area: number; hex_color: string } }[];
}

/** The proto's image limits. */
const MIN_SIDE = 64;
const MAX_SIDE = 4096;
/** Detections waiting per model beyond the one running; more is RESOURCE_EXHAUSTED. */
const MAX_WAITING = 16;

interface EdgeModel {
  name: string;
  dir: string;
  manifest: PackageManifest;
  status: EdgeModelStatus;
  statusMessage: string;
  detector?: Detector;
  loading?: Promise<void>;
  /** Detections run one at a time per model, as on one inference unit of the server. */
  queue: Promise<unknown>;
  waiting: number;
}

/**
 * The models installed on this device and their state: StartModel loads one (decrypting its archive in
 * memory with the package key and loading it with the server's detection engine, ml/loadDetector),
 * StopModel drops it, DetectAnomalies runs it on an RGB888 bitmap.
 */
export class EdgeModels {
  private readonly models = new Map<string, EdgeModel>();

  private constructor(private readonly cacheDir: string | undefined) {}

  static async open(edgeDir: string, options: { cacheDir?: string } = {}): Promise<EdgeModels> {
    const models = new EdgeModels(options.cacheDir ?? join(edgeDir, 'cache', 'backbone'));
    for (const component of await installedComponents(edgeDir)) {
      models.models.set(component.name, {
        name: component.name,
        dir: component.dir,
        manifest: component.manifest,
        status: EdgeModelStatus.STOPPED,
        statusMessage: 'Installed; call StartModel to run it.',
        queue: Promise.resolve(),
        waiting: 0,
      });
    }
    return models;
  }

  list(): { model_component: string; lookout_vision_model_arn: string; status: EdgeModelStatus; status_message: string }[] {
    return [...this.models.values()].map((m) => this.describeModel(m));
  }

  describe(name: unknown) {
    return this.describeModel(this.find(name));
  }

  /** STOPPED or FAILED → STARTING → RUNNING | FAILED; answers STARTING at once. */
  start(name: unknown): EdgeModelStatus {
    const model = this.find(name);
    if (model.status !== EdgeModelStatus.STOPPED && model.status !== EdgeModelStatus.FAILED) {
      throw new EdgeError(EdgeCode.FAILED_PRECONDITION, `Model ${model.name} is ${statusName(model.status)}; only a STOPPED or FAILED model can be started.`);
    }
    model.status = EdgeModelStatus.STARTING;
    model.statusMessage = 'The model is loading.';
    model.loading = this.load(model);
    return EdgeModelStatus.STARTING;
  }

  /** Waits until a starting model is RUNNING or FAILED. */
  async started(name: string): Promise<EdgeModelStatus> {
    const model = this.find(name);
    await model.loading;
    return model.status;
  }

  /** RUNNING → STOPPING → STOPPED, after the detections already accepted have answered. */
  async stop(name: unknown): Promise<EdgeModelStatus> {
    const model = this.find(name);
    if (model.status !== EdgeModelStatus.RUNNING) {
      throw new EdgeError(EdgeCode.FAILED_PRECONDITION, `Model ${model.name} is ${statusName(model.status)}; only a RUNNING model can be stopped.`);
    }
    model.status = EdgeModelStatus.STOPPING;
    model.statusMessage = 'The model is stopping.';
    await model.queue.catch(() => undefined);
    model.detector = undefined;
    model.status = EdgeModelStatus.STOPPED;
    model.statusMessage = 'Stopped; call StartModel to run it.';
    return EdgeModelStatus.STOPPED;
  }

  async detect(name: unknown, bitmap: Bitmap | undefined): Promise<EdgeDetection> {
    const model = this.find(name);
    if (model.status !== EdgeModelStatus.RUNNING || !model.detector) {
      throw new EdgeError(EdgeCode.FAILED_PRECONDITION, `Model ${model.name} is ${statusName(model.status)}, not RUNNING; start it with StartModel first.`);
    }
    const png = await bitmapPng(bitmap, model.manifest.image);
    if (model.waiting >= MAX_WAITING) throw new EdgeError(EdgeCode.RESOURCE_EXHAUSTED, `Model ${model.name} has ${MAX_WAITING} detections waiting; retry shortly.`);
    const detector = model.detector;
    model.waiting++;
    const run = model.queue.then(() => detector.detect(png, { falseAlarmRate: model.manifest.falseAlarmRate }));
    model.queue = run.catch(() => undefined);
    try {
      const detection = await run;
      const result: EdgeDetection = {
        is_anomalous: detection.isAnomalous,
        confidence: detection.confidence,
        anomalies: (detection.anomalies ?? []).map((a) => ({ name: a.name, pixel_anomaly: { total_percentage_area: a.totalPercentageArea, hex_color: a.color } })),
      };
      if (detection.mask) {
        const { data, info } = await sharp(detection.mask).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
        result.anomaly_mask = { width: info.width, height: info.height, byte_data: data };
      }
      return result;
    } finally {
      model.waiting--;
    }
  }

  private async load(model: EdgeModel): Promise<void> {
    try {
      const archive = await readFile(join(model.dir, PACKAGE_FILES.archive));
      const { key } = parsePackageKeyFile(await readFile(join(model.dir, PACKAGE_FILES.key), 'utf8'));
      const { artifact } = openArchive(archive, key);
      key.fill(0);
      const detector = await loadDetector(new Uint8Array(artifact.buffer, artifact.byteOffset, artifact.length), { cacheDir: this.cacheDir, falseAlarmRate: model.manifest.falseAlarmRate });
      if (model.status !== EdgeModelStatus.STARTING) return;
      model.detector = detector;
      model.status = EdgeModelStatus.RUNNING;
      model.statusMessage = 'The model is running.';
    } catch (error) {
      model.status = EdgeModelStatus.FAILED;
      model.statusMessage = `The model could not be loaded: ${(error as Error).message}`;
    }
  }

  private find(name: unknown): EdgeModel {
    if (typeof name !== 'string' || name === '') throw new EdgeError(EdgeCode.INVALID_ARGUMENT, 'model_component is required.');
    const model = this.models.get(name);
    if (!model) throw new EdgeError(EdgeCode.NOT_FOUND, `No model component ${name.slice(0, 128)} is installed.`);
    return model;
  }

  private describeModel(m: EdgeModel) {
    return { model_component: m.name, lookout_vision_model_arn: m.manifest.modelArn, status: m.status, status_message: m.statusMessage };
  }
}

export function statusName(status: EdgeModelStatus): string {
  return Object.entries(EdgeModelStatus).find(([, value]) => value === status)![0];
}

/** A packed RGB888 bitmap checked and encoded as PNG (lossless: the engine sees exactly these pixels). */
async function bitmapPng(bitmap: Bitmap | undefined, size: { width: number; height: number }): Promise<Uint8Array> {
  if (!bitmap) throw new EdgeError(EdgeCode.INVALID_ARGUMENT, 'bitmap is required.');
  if (bitmap.shared_memory_handle) {
    throw new EdgeError(EdgeCode.INVALID_ARGUMENT, "Shared-memory bitmaps are not supported by Vigil's edge agent; send the pixels in byte_data.");
  }
  const width = bitmap.width ?? 0;
  const height = bitmap.height ?? 0;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < MIN_SIDE || height < MIN_SIDE || width > MAX_SIDE || height > MAX_SIDE) {
    throw new EdgeError(EdgeCode.INVALID_ARGUMENT, `The bitmap is ${width}×${height} pixels; width and height must be from ${MIN_SIDE} to ${MAX_SIDE}.`);
  }
  const bytes = bitmap.byte_data;
  if (!bytes || bytes.length === 0) throw new EdgeError(EdgeCode.INVALID_ARGUMENT, 'bitmap.byte_data is required: packed RGB888 pixels.');
  if (bytes.length !== width * height * 3) {
    throw new EdgeError(EdgeCode.INVALID_ARGUMENT, `bitmap.byte_data holds ${bytes.length} bytes; a ${width}×${height} RGB888 bitmap has ${width * height * 3}.`);
  }
  if (size.width > 0 && (width !== size.width || height !== size.height)) {
    throw new EdgeError(EdgeCode.INVALID_ARGUMENT, `The bitmap is ${width}×${height} pixels; this model was trained on ${size.width}×${size.height} images.`);
  }
  const png = await sharp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.length);
}
