import type { SealedBlobStore } from '../blob/sealedBlobStore.js';
import type { Kms } from '../crypto/kms.js';
import { KmsError } from '../crypto/kmsErrors.js';
import type { JobQueue } from '../jobs/jobQueue.js';
import { type Detection, type HostedModel, ImageFormatError, type ModelRuntime, RuntimeBusyError } from '../jobs/modelRuntime.js';
import type { MetadataStore } from '../store/metadataStore.js';
import type { ModelRecord, ModelStatus } from '../store/modelRecords.js';
import { imageFormatOf } from '../util/imageFormat.js';
import type { DetectionMetrics } from './detectionMetrics.js';
import { AccessDeniedError, ConflictError, ServiceQuotaExceededError, ThrottlingError, ValidationError } from './errors.js';
import type { Idempotency } from './idempotency.js';
import { checkImage } from './imageChecks.js';
import { findModel } from './modelLookup.js';
import type { Projects } from './projects.js';
import { falseAlarmRateTarget } from './reservedTags.js';

export interface ModelHostingDeps {
  store: MetadataStore;
  blobs: SealedBlobStore;
  kms: Kms;
  jobs: JobQueue;
  idempotency: Idempotency;
  projects: Projects;
  runtime: ModelRuntime;
  metrics: DetectionMetrics;
  /** Most inference units one model may have: the machine's cores. */
  maxInferenceUnits: number;
  /**
   * The database is shared by several nodes: each node hosts, on its own inference units, the HOSTED models
   * it is asked to detect with (loaded at its start and on first use), and lets go of those stopped elsewhere.
   */
  shared?: boolean;
}

/** Hosting trained models on inference units (StartModel, StopModel) and DetectAnomalies. */
export class ModelHosting {
  /** This node's inference units, by model ARN. */
  private readonly hosted = new Map<string, { units: HostedModel; model: ModelRecord }>();
  /** Shared database: models being loaded on this node for a HOSTED record, by ARN. */
  private readonly loading = new Map<string, Promise<HostedModel>>();

  constructor(private readonly deps: ModelHostingDeps) {}

  async start(input: { projectName: string; modelVersion: string; minInferenceUnits: number; maxInferenceUnits?: number; clientToken?: string }): Promise<{ status: ModelStatus }> {
    const { store, jobs, idempotency, maxInferenceUnits } = this.deps;
    const min = input.minInferenceUnits;
    const max = input.maxInferenceUnits ?? min;
    if (max < min) throw new ValidationError('MaxInferenceUnits must be an integer of at least MinInferenceUnits.');
    if (max > maxInferenceUnits) {
      throw new ServiceQuotaExceededError(`This machine runs at most ${maxInferenceUnits} inference units per model.`, 'inference-units');
    }
    const model = await this.find(input.projectName, input.modelVersion);
    return idempotency.run({ operation: 'StartModel', resourceId: model.arn, resourceType: 'MODEL', token: input.clientToken, parameters: { min, max } }, async () => {
      const changes = { status: 'STARTING_HOSTING' as const, minInferenceUnits: min, maxInferenceUnits: max };
      if (!(await store.models.transition(model.projectName, model.version, ['TRAINED', 'HOSTING_FAILED'], changes))) {
        throw new ConflictError(`Model ${model.version} is ${model.status}; only a trained model can be started.`, model.arn, 'MODEL');
      }
      jobs.enqueue(`host ${model.arn}`, () => this.host({ ...model, ...changes }));
      return { status: 'STARTING_HOSTING' as const };
    });
  }

  async stop(input: { projectName: string; modelVersion: string; clientToken?: string }): Promise<{ status: ModelStatus }> {
    const { store, idempotency, metrics } = this.deps;
    const model = await this.find(input.projectName, input.modelVersion);
    return idempotency.run({ operation: 'StopModel', resourceId: model.arn, resourceType: 'MODEL', token: input.clientToken, parameters: {} }, async () => {
      if (!(await store.models.transition(model.projectName, model.version, ['HOSTED', 'STARTING_HOSTING', 'HOSTING_FAILED'], { status: 'STOPPING_HOSTING' }))) {
        throw new ConflictError(`Model ${model.version} is ${model.status}; it is not hosted.`, model.arn, 'MODEL');
      }
      const hosted = this.hosted.get(model.arn);
      this.hosted.delete(model.arn);
      metrics.forget(model.projectName, model.version);
      await hosted?.units.stop();
      await store.models.transition(model.projectName, model.version, ['STOPPING_HOSTING'], { status: 'TRAINED' });
      return { status: 'STOPPING_HOSTING' as const };
    });
  }

  /** anomalyLevels: also the anomaly map as a PNG (Vigil's x-vigil-anomaly-map extension). */
  async detect(input: { projectName: string; modelVersion: string; contentType: string; body: Buffer; anomalyLevels?: boolean }): Promise<{ detection: Detection; segmentation: boolean }> {
    const { store, metrics } = this.deps;
    const model = await this.find(input.projectName, input.modelVersion);
    let hosted = this.hosted.get(model.arn)?.units;
    // With a shared database a HOSTED model not yet loaded here is loaded below, once the request is known good.
    if (model.status !== 'HOSTED' || (!hosted && !this.deps.shared)) {
      throw new ConflictError(`Model ${model.version} is ${model.status}, not HOSTED; start it with StartModel first.`, model.arn, 'MODEL');
    }
    await this.requireUsableKey(model);
    const started = performance.now();
    const { body } = input;
    try {
      await checkDetectInput(body, input.contentType, model);
    } catch (error) {
      metrics.invalidImage(model.projectName, model.version);
      throw error;
    }
    hosted ??= await this.hostHere(model);
    // The target is read from the stored tags on every request (one indexed read beside a detection of tens of
    // milliseconds): a TagResource or UntagResource applies from the next request on, also after a restart,
    // with no cached copy to keep in step.
    const falseAlarmRate = falseAlarmRateTarget((await store.models.tagsOf(model.projectName, model.version)) ?? []);
    try {
      const detection = await hosted.detect(new Uint8Array(body), { falseAlarmRate, anomalyLevels: input.anomalyLevels });
      metrics.detected(model.projectName, model.version, detection.isAnomalous, (performance.now() - started) / 1000);
      return { detection, segmentation: detection.anomalies !== undefined };
    } catch (error) {
      if (error instanceof RuntimeBusyError) throw new ThrottlingError(error.message, 1);
      // The header passed checkDetectInput but the pixels did not decode: a 400, never a 500 that SDKs retry.
      if (error instanceof ImageFormatError) {
        metrics.invalidImage(model.projectName, model.version);
        throw new ValidationError('The image cannot be decoded.');
      }
      throw error;
    }
  }

  /**
   * After a restart: hosts again a model that was HOSTED or STARTING_HOSTING. With a shared database a HOSTED
   * model stays HOSTED (other nodes serve it) and is loaded here without a status change.
   */
  async resume(model: ModelRecord): Promise<void> {
    if (this.deps.shared && model.status === 'HOSTED') {
      this.deps.jobs.enqueue(`host ${model.arn} here`, () => this.hostHere(model).then(() => undefined));
      return;
    }
    await this.deps.store.models.transition(model.projectName, model.version, [model.status], { status: 'STARTING_HOSTING' });
    this.deps.jobs.enqueue(`host ${model.arn}`, () => this.host(model));
  }

  /** Shared database: stops this node's units of models that are no longer HOSTED (stopped through another node). */
  async releaseStopped(): Promise<void> {
    const hosted = new Set((await this.deps.store.models.withStatus(['HOSTED'])).map((m) => m.arn));
    for (const [arn, { units, model }] of this.hosted) {
      if (hosted.has(arn)) continue;
      this.hosted.delete(arn);
      this.deps.metrics.forget(model.projectName, model.version);
      await units.stop();
    }
  }

  /** Stops every inference unit (the models stay HOSTED in the store and are hosted again at start). */
  async close(): Promise<void> {
    await Promise.all([...this.hosted.values()].map((hosted) => hosted.units.stop()));
    this.hosted.clear();
  }

  private find(projectName: string, modelVersion: string): Promise<ModelRecord> {
    return findModel(this.deps.store, this.deps.projects, projectName, modelVersion);
  }

  /** A hosted model answers only while its key is usable: disabling the key stops it at once. */
  private async requireUsableKey(model: ModelRecord): Promise<void> {
    // Only a key that is gone reads as deleted; an unreachable KMS fails as itself.
    const key = await this.deps.kms.describeKey(model.kmsKeyId).catch((error: unknown) => {
      if (error instanceof KmsError && error.name === 'NotFoundException') return undefined;
      throw error;
    });
    if (key?.state !== 'Enabled') {
      throw new AccessDeniedError(`The KMS key ${model.kmsKeyId} of model ${model.version} is ${key?.state ?? 'deleted'}; the model's data cannot be used.`);
    }
  }

  /** Loads a HOSTED model on this node's units (once, however many requests ask at the same time). */
  private hostHere(model: ModelRecord): Promise<HostedModel> {
    let pending = this.loading.get(model.arn);
    if (!pending) {
      pending = (async () => {
        const units = await this.load(model);
        this.hosted.set(model.arn, { units, model });
        return units;
      })().finally(() => this.loading.delete(model.arn));
      this.loading.set(model.arn, pending);
    }
    return pending;
  }

  /** The model's inference units on this node, with their metrics. */
  private async load(model: ModelRecord): Promise<HostedModel> {
    const artifact = await this.deps.blobs.getBuffer(model.artifactBlob!, { 'vigil:model': model.arn });
    const min = model.minInferenceUnits ?? 1;
    const max = model.maxInferenceUnits ?? min;
    const units = await this.deps.runtime.host(new Uint8Array(artifact), { min, max });
    this.deps.metrics.hosting(model.projectName, model.version, () => ({ min, max, inService: units.inService }));
    return units;
  }

  private async host(model: ModelRecord): Promise<void> {
    const { store, metrics } = this.deps;
    try {
      const units = await this.load(model);
      if (await store.models.transition(model.projectName, model.version, ['STARTING_HOSTING'], { status: 'HOSTED' })) {
        this.hosted.set(model.arn, { units, model });
      } else {
        metrics.forget(model.projectName, model.version);
        await units.stop(); // stopped while starting
      }
    } catch (error) {
      await store.models.transition(model.projectName, model.version, ['STARTING_HOSTING'], {
        status: 'HOSTING_FAILED',
        statusMessage: `The model could not be loaded: ${(error as Error).message}`,
      });
    }
  }
}

/** The body must be the PNG or JPEG its ContentType says, of the size the model was trained on. */
async function checkDetectInput(body: Buffer, contentType: string, model: ModelRecord): Promise<void> {
  const declared = contentType === 'image/png' ? 'png' : contentType === 'image/jpeg' ? 'jpeg' : undefined;
  if (!declared) throw new ValidationError('ContentType must be image/png or image/jpeg.');
  if (imageFormatOf(body) !== declared) throw new ValidationError(`The body is not a ${declared.toUpperCase()} image, as ContentType says.`);
  const image = await checkImage(body).catch((error: Error) => {
    throw new ValidationError(`The image ${error.message}.`);
  });
  if (image.width !== model.imageWidth || image.height !== model.imageHeight) {
    throw new ValidationError(`The image is ${image.width}×${image.height} pixels; this model was trained on ${model.imageWidth}×${model.imageHeight} images.`);
  }
}
