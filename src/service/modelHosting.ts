import type { SealedBlobStore } from '../blob/sealedBlobStore.js';
import type { Kms } from '../crypto/kms.js';
import { KmsError } from '../crypto/kmsErrors.js';
import type { BackgroundJobs, JobContext } from '../jobs/backgroundJobs.js';
import type { JobQueue } from '../jobs/jobQueue.js';
import { type Detection, type HostedModel, ImageFormatError, type ModelRuntime, RuntimeBusyError } from '../jobs/modelRuntime.js';
import type { MetadataStore } from '../store/metadataStore.js';
import type { ModelRecord, ModelStatus } from '../store/modelRecords.js';
import { imageFormatOf } from '../util/imageFormat.js';
import type { ClusterAdmission } from './clusterAdmission.js';
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
  /**
   * The work of StartModel and StopModel, run by the node that got the request. With a database shared by
   * several nodes (`background.shared`) it is recorded under that node's lease, so that another worker
   * node finishes it should that node die; each node then also hosts, on its own inference units, the
   * HOSTED models it is asked to detect with (loaded at its start and on first use), and lets go of those
   * stopped elsewhere.
   */
  background: BackgroundJobs;
  /** This node's queue for loading HOSTED models at its start (shared database). */
  jobs: JobQueue;
  idempotency: Idempotency;
  projects: Projects;
  runtime: ModelRuntime;
  metrics: DetectionMetrics;
  /** Most inference units one model may have: the machine's cores. */
  maxInferenceUnits: number;
  /**
   * Shared database: this node's share of each model's capacity across the live nodes. Absent (the
   * embedded default), a model is throttled only by its own units' queue, as on one machine.
   */
  admission?: ClusterAdmission;
}

/** What a start or stop job names: the model, never its content. */
interface HostingPayload {
  projectName: string;
  version: number;
}

/** A model's inference units on this node. */
interface HostedEntry {
  units: HostedModel;
  model: ModelRecord;
  /**
   * When the model was known to be HOSTED with these units (performance.now()); undefined while its start
   * is being written. Only entries older than a look at the statuses are released by releaseStopped.
   */
  servingSince?: number;
}

/** Starts of one model that nodes may die in (shared database) before it is HOSTING_FAILED. */
const MAX_HOSTING_ATTEMPTS = 3;

/**
 * Hosting trained models on inference units (StartModel, StopModel) and DetectAnomalies. Invariant: a
 * model's units are in `hosted` before its HOSTED status is written, so a detection that reads HOSTED finds
 * them and never loads a second copy; whoever takes an entry out of `hosted` stops its units.
 */
export class ModelHosting {
  /** This node's inference units, by model ARN. */
  private readonly hosted = new Map<string, HostedEntry>();
  /** Shared database: models being loaded on this node for a HOSTED record, by ARN. */
  private readonly loading = new Map<string, Promise<HostedModel>>();

  constructor(private readonly deps: ModelHostingDeps) {
    deps.background.handle('host', (payload, context) => this.runStart(payload as HostingPayload, context));
    deps.background.handle('unhost', (payload, context) => this.runStop(payload as HostingPayload, context));
  }

  private get shared(): boolean {
    return this.deps.background.shared;
  }

  async start(input: { projectName: string; modelVersion: string; minInferenceUnits: number; maxInferenceUnits?: number; clientToken?: string }): Promise<{ status: ModelStatus }> {
    const { store, background, idempotency, maxInferenceUnits } = this.deps;
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
      // A node that dies before this is recorded leaves a start no job stands for: requeueLost finds it.
      await background.runHere('host', model.arn, payloadOf(model));
      return { status: 'STARTING_HOSTING' as const };
    });
  }

  async stop(input: { projectName: string; modelVersion: string; clientToken?: string }): Promise<{ status: ModelStatus }> {
    const { store, idempotency } = this.deps;
    const model = await this.find(input.projectName, input.modelVersion);
    return idempotency.run({ operation: 'StopModel', resourceId: model.arn, resourceType: 'MODEL', token: input.clientToken, parameters: {} }, async () => {
      if (!(await store.models.transition(model.projectName, model.version, ['HOSTED', 'STARTING_HOSTING', 'HOSTING_FAILED'], { status: 'STOPPING_HOSTING' }))) {
        throw new ConflictError(`Model ${model.version} is ${model.status}; it is not hosted.`, model.arn, 'MODEL');
      }
      if (this.shared) {
        // Under this node's lease: should it die before TRAINED is written, another node writes it.
        const run = await this.deps.background.runHere('unhost', model.arn, payloadOf(model));
        await run?.ended;
      } else {
        // A start still loading finds the status changed and stops its own units.
        await this.release(model.arn);
        await store.models.transition(model.projectName, model.version, ['STOPPING_HOSTING'], { status: 'TRAINED' });
      }
      return { status: 'STOPPING_HOSTING' as const };
    });
  }

  /** anomalyLevels: also the anomaly map as a PNG (Vigil's x-vigil-anomaly-map extension). */
  async detect(input: { projectName: string; modelVersion: string; contentType: string; body: Buffer; anomalyLevels?: boolean }): Promise<{ detection: Detection; segmentation: boolean }> {
    const { store, metrics } = this.deps;
    const model = await this.find(input.projectName, input.modelVersion);
    const hosted = this.hosted.get(model.arn)?.units;
    // With a shared database a HOSTED model not yet loaded here is loaded below, once the request is known good.
    if (model.status !== 'HOSTED' || (!hosted && !this.shared)) {
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
    // Embedded, the units read above are the model's only ones: a stop meanwhile leaves them answering this request.
    const units = hosted && !this.shared ? hosted : await this.hostHere(model);
    // The target is read from the stored tags on every request (one indexed read beside a detection of tens of
    // milliseconds): a TagResource or UntagResource applies from the next request on, also after a restart,
    // with no cached copy to keep in step.
    const falseAlarmRate = falseAlarmRateTarget((await store.models.tagsOf(model.projectName, model.version)) ?? []);
    try {
      const detect = () => units.detect(new Uint8Array(body), { falseAlarmRate, anomalyLevels: input.anomalyLevels });
      const detection = await (this.deps.admission ? this.deps.admission.run(model, detect) : detect());
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
   * At this node's start: what a stop interrupted, a start, a HOSTED model. Embedded, this process was the
   * only host: a stop is finished (TRAINED) and a start or a HOSTED model is started again. With a shared
   * database a HOSTED model stays HOSTED (other nodes serve it) and is loaded here without a status change;
   * a start or stop is left to its job (another node may be running it), or queued when its job was lost.
   */
  async resume(model: ModelRecord): Promise<void> {
    const { store, background, jobs } = this.deps;
    if (this.shared) {
      if (model.status === 'HOSTED') jobs.enqueue(`host ${model.arn} here`, () => this.hostHere(model).then(() => undefined));
      else if (model.status === 'STARTING_HOSTING') await background.submit('host', model.arn, payloadOf(model));
      else if (model.status === 'STOPPING_HOSTING') await background.submit('unhost', model.arn, payloadOf(model));
      return;
    }
    if (model.status === 'STOPPING_HOSTING') {
      await store.models.transition(model.projectName, model.version, ['STOPPING_HOSTING'], { status: 'TRAINED' });
      return;
    }
    await store.models.transition(model.projectName, model.version, [model.status], { status: 'STARTING_HOSTING' });
    await background.runHere('host', model.arn, payloadOf(model));
  }

  /**
   * Shared database, run periodically by worker nodes: queues a job for every start or stop that has none
   * (its node died between the status change and recording the job). One that has a job is left to it.
   */
  async requeueLost(): Promise<void> {
    for (const model of await this.deps.store.models.withStatus(['STARTING_HOSTING', 'STOPPING_HOSTING'])) {
      await this.deps.background.submit(model.status === 'STARTING_HOSTING' ? 'host' : 'unhost', model.arn, payloadOf(model));
    }
  }

  /** Shared database: stops this node's units of models that are no longer HOSTED (stopped through another node). */
  async releaseStopped(): Promise<void> {
    const asked = performance.now();
    const hosted = new Set((await this.deps.store.models.withStatus(['HOSTED'])).map((m) => m.arn));
    for (const [arn, entry] of this.hosted) {
      // An entry newer than the look may be of a model that became HOSTED after it: left to the next sweep.
      if (hosted.has(arn) || entry.servingSince === undefined || entry.servingSince >= asked) continue;
      await this.release(arn, entry);
    }
  }

  /** Stops every inference unit (the models stay HOSTED in the store and are hosted again at start). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.loading.values()]);
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

  /** This node's units of a HOSTED model, loaded here first when it has none (once, however many requests ask at the same time). */
  private hostHere(model: ModelRecord): Promise<HostedModel> {
    // Looked up again: the caller's earlier look may predate a load that has ended since.
    const here = this.hosted.get(model.arn);
    if (here) return Promise.resolve(here.units);
    let pending = this.loading.get(model.arn);
    if (!pending) {
      pending = (async () => {
        const units = await this.load(model);
        await this.register(model.arn, { units, model, servingSince: performance.now() });
        return units;
      })().finally(() => this.loading.delete(model.arn));
      this.loading.set(model.arn, pending);
    }
    return pending;
  }

  /** Puts units in `hosted`; units they replace (a copy from before a stop and start elsewhere) are stopped. */
  private async register(arn: string, entry: HostedEntry): Promise<void> {
    const replaced = this.hosted.get(arn);
    this.hosted.set(arn, entry);
    if (replaced) await replaced.units.stop();
  }

  /** Takes the model's entry (or only `entry`, when it is still the one there) out of `hosted` and stops its units. */
  private async release(arn: string, entry = this.hosted.get(arn)): Promise<void> {
    if (!entry || this.hosted.get(arn) !== entry) return;
    this.hosted.delete(arn);
    this.deps.metrics.forget(entry.model.projectName, entry.model.version);
    await entry.units.stop();
  }

  /** The model's inference units on this node, with their metrics. */
  private async load(model: ModelRecord): Promise<HostedModel> {
    const artifact = await this.deps.blobs.getBuffer(model.artifactBlob!, { 'vigil:model': model.arn });
    const min = model.minInferenceUnits ?? 1;
    const max = model.maxInferenceUnits ?? min;
    const units = await this.deps.runtime.host(new Uint8Array(artifact), { min, max });
    const { admission } = this.deps;
    this.deps.metrics.hosting(model.projectName, model.version, () => ({
      min,
      max,
      inService: units.inService,
      admissionLimit: admission?.limitOf({ minInferenceUnits: min, maxInferenceUnits: max }),
    }));
    return units;
  }

  /** The `host` job: loads the model on this node, registers it, then writes HOSTED (HOSTING_FAILED when it cannot be loaded). */
  private async runStart({ projectName, version }: HostingPayload, context: JobContext): Promise<void> {
    const { store } = this.deps;
    const model = await store.models.get(projectName, version);
    if (model?.status !== 'STARTING_HOSTING') return; // stopped, finished by an earlier attempt, or gone
    const fail = (statusMessage: string) =>
      context.finish(async () => {
        await store.models.transition(projectName, version, ['STARTING_HOSTING'], { status: 'HOSTING_FAILED', statusMessage });
      });
    if (context.attempt > MAX_HOSTING_ATTEMPTS) {
      await fail(`The nodes starting the model stopped ${MAX_HOSTING_ATTEMPTS} times before it was hosted; start it again.`);
      return;
    }
    let units: HostedModel;
    try {
      units = await this.load(model);
    } catch (error) {
      await fail(`The model could not be loaded: ${(error as Error).message}`);
      return;
    }
    const entry: HostedEntry = { units, model };
    await this.register(model.arn, entry);
    let hosted = false;
    try {
      const owned = await context.finish(async () => {
        hosted = await store.models.transition(projectName, version, ['STARTING_HOSTING'], { status: 'HOSTED' });
      });
      // A stop and a start while this one loaded: the later start may have written HOSTED first, and these
      // units replaced its units here; they are then the model's.
      if (owned && !hosted && this.hosted.get(model.arn) === entry) hosted = (await store.models.get(projectName, version))?.status === 'HOSTED';
    } finally {
      if (hosted) entry.servingSince = performance.now();
      else await this.release(model.arn, entry); // stopped while starting, or the start was taken over by another node
    }
  }

  /** The `unhost` job (shared database): stops this node's units, then writes TRAINED; other nodes let go of theirs within seconds. */
  private async runStop({ projectName, version }: HostingPayload, context: JobContext): Promise<void> {
    const { store } = this.deps;
    const model = await store.models.get(projectName, version);
    if (model?.status !== 'STOPPING_HOSTING') return; // finished by an earlier attempt, or gone
    await this.release(model.arn);
    await context.finish(async () => {
      await store.models.transition(projectName, version, ['STOPPING_HOSTING'], { status: 'TRAINED' });
    });
  }
}

function payloadOf(model: ModelRecord): HostingPayload {
  return { projectName: model.projectName, version: model.version };
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
