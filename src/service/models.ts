import { Readable } from 'node:stream';
import type { SealedBlobStore } from '../blob/sealedBlobStore.js';
import type { Kms } from '../crypto/kms.js';
import { KmsError } from '../crypto/kmsErrors.js';
import { InferencePool, PoolBusyError } from '../jobs/inferencePool.js';
import type { JobQueue } from '../jobs/jobQueue.js';
import { runTraining, type TrainingJobOutput } from '../jobs/modelTraining.js';
import { ImageFormatError, type Detection } from '../ml/index.js';
import type { DatasetType } from '../store/datasetRecords.js';
import type { MetadataStore } from '../store/metadataStore.js';
import type { ModelRecord, ModelStatus } from '../store/modelRecords.js';
import type { Buckets } from './buckets.js';
import type { DetectionMetrics } from './detectionMetrics.js';
import type { DatasetContents, StoredEntry } from './datasetContents.js';
import { AccessDeniedError, ConflictError, NotFoundError, ServiceQuotaExceededError, ThrottlingError, ValidationError } from './errors.js';
import type { Idempotency } from './idempotency.js';
import { checkImage, imageFormatOf } from './imageChecks.js';
import { trainingSplit, TrainingDataError } from './modelTrainingData.js';
import { decodePageToken, encodePageToken, pageSize } from './pagination.js';
import type { Installation, Projects } from './projects.js';
import { parseTags } from './tags.js';
import { checkCreateTags, falseAlarmRateTarget, trainingSettings } from './reservedTags.js';
import { requireString } from './validation.js';
import { vigilEvaluation } from './vigilEvaluation.js';

const VERSION = /^([1-9][0-9]{0,9}|latest)$/;
const KMS_KEY_ID = /^[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,2048}$/;
const S3_PREFIX = /^([a-zA-Z0-9!_.*'()-][/a-zA-Z0-9!_.*'()-]*)?$/;
const SETTLED_DATASET = ['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_FAILED_ROLLBACK_COMPLETE'];
/** A training interrupted by a restart is run again this many times before it is marked failed. */
const MAX_TRAINING_ATTEMPTS = 2;

export interface ModelServiceOptions {
  /** Most inference units one model may have: the machine's cores. */
  maxInferenceUnits: number;
  /** Where the converted backbone is cached (public weights, not user data). */
  backboneCacheDir?: string;
  metrics: DetectionMetrics;
  /** Where training progress is logged (per stage; names and counts only). */
  logger?: { info(fields: object, message: string): void };
}

/**
 * Models: training (a background job in a worker thread), evaluation on the test images, the
 * sealed artifact, hosting on inference units and DetectAnomalies.
 */
export class Models {
  private readonly pools = new Map<string, InferencePool>();

  constructor(
    private readonly store: MetadataStore,
    private readonly contents: DatasetContents,
    private readonly blobs: SealedBlobStore,
    private readonly buckets: Buckets,
    private readonly kms: Kms,
    private readonly jobs: JobQueue,
    private readonly idempotency: Idempotency,
    private readonly projects: Projects,
    private readonly installation: Installation,
    private readonly options: ModelServiceOptions,
  ) {}

  async create(input: {
    projectName: unknown;
    description?: unknown;
    outputConfig?: unknown;
    kmsKeyId?: unknown;
    tags?: unknown;
    clientToken?: unknown;
  }): Promise<ModelRecord> {
    const projectName = requireString(input.projectName, 'ProjectName', 'projectName');
    const description = optionalText(input.description, 'Description', 500);
    const output = outputLocation(input.outputConfig);
    const tags = parseTags(input.tags);
    checkCreateTags(tags);
    const kmsKeyId = input.kmsKeyId === undefined || input.kmsKeyId === null ? undefined : String(input.kmsKeyId);
    if (kmsKeyId !== undefined && !KMS_KEY_ID.test(kmsKeyId)) throw new ValidationError('KmsKeyId is not a key id, key ARN or alias.');
    return this.idempotency.run(
      {
        operation: 'CreateModel',
        resourceId: projectName,
        resourceType: 'MODEL',
        token: input.clientToken,
        parameters: { projectName, description, output, kmsKeyId, tags },
      },
      async () => {
        await this.projects.get(projectName);
        await this.buckets.headBucket(output.bucket).catch(() => {
          throw new ValidationError(`OutputConfig names bucket ${output.bucket}, which does not exist.`);
        });
        const keyArn = await this.usableKey(kmsKeyId);
        const now = new Date();
        const model = await this.store.models.create(
          {
            projectName,
            status: 'TRAINING',
            description,
            createdAt: now,
            updatedAt: now,
            kmsKeyId: keyArn,
            outputBucket: output.bucket,
            outputPrefix: output.prefix,
            trainingAttempts: 1,
          },
          (version) => `arn:aws:lookoutvision:${this.installation.region}:${this.installation.accountId}:model/${projectName}/${version}`,
          tags,
        );
        this.enqueueTraining(model);
        return model;
      },
    );
  }

  async describe(input: { projectName: unknown; modelVersion: unknown }): Promise<ModelRecord> {
    return this.find(input.projectName, input.modelVersion, true);
  }

  async list(input: { projectName: unknown; maxResults?: number; nextToken?: string }): Promise<{ models: ModelRecord[]; nextToken?: string }> {
    const project = await this.projects.get(input.projectName);
    const limit = pageSize(input.maxResults);
    const listing = `models ${project.name}`;
    const after = decodePageToken(listing, input.nextToken);
    const page = await this.store.models.list(project.name, limit, after === undefined ? undefined : Number(after));
    return { models: page.items, nextToken: page.next === undefined ? undefined : encodePageToken(listing, String(page.next)) };
  }

  /** Deletes a model that is neither training nor hosted, with its sealed artifact. */
  async delete(input: { projectName: unknown; modelVersion: unknown; clientToken?: unknown }): Promise<{ modelArn: string }> {
    const projectName = requireString(input.projectName, 'ProjectName', 'projectName');
    if (typeof input.modelVersion !== 'string' || !/^[1-9][0-9]{0,9}$/.test(input.modelVersion)) {
      throw new ValidationError('ModelVersion must be a version number (latest is not accepted by DeleteModel).');
    }
    return this.idempotency.run(
      { operation: 'DeleteModel', resourceId: `${projectName}/${input.modelVersion}`, resourceType: 'MODEL', token: input.clientToken, parameters: {} },
      async () => {
        const model = await this.find(projectName, input.modelVersion, false);
        const deletable: ModelStatus[] = ['TRAINED', 'TRAINING_FAILED', 'HOSTING_FAILED'];
        if (!(await this.store.models.transition(model.projectName, model.version, deletable, { status: 'DELETING' }))) {
          throw new ConflictError(`Model ${model.version} is ${model.status}; stop it or wait for training to end before deleting it.`, model.arn, 'MODEL');
        }
        if (model.artifactBlob) await this.blobs.delete(model.artifactBlob);
        await this.store.models.delete(model.projectName, model.version, ['DELETING']);
        return { modelArn: model.arn };
      },
    );
  }

  async start(input: { projectName: unknown; modelVersion: unknown; minInferenceUnits: unknown; maxInferenceUnits?: unknown; clientToken?: unknown }): Promise<{ status: ModelStatus }> {
    const min = input.minInferenceUnits;
    const max = input.maxInferenceUnits ?? min;
    if (!Number.isInteger(min) || (min as number) < 1) throw new ValidationError('MinInferenceUnits must be an integer of at least 1.');
    if (!Number.isInteger(max) || (max as number) < (min as number)) throw new ValidationError('MaxInferenceUnits must be an integer of at least MinInferenceUnits.');
    if ((max as number) > this.options.maxInferenceUnits) {
      throw new ServiceQuotaExceededError(`This machine runs at most ${this.options.maxInferenceUnits} inference units per model.`, 'inference-units');
    }
    const model = await this.find(input.projectName, input.modelVersion, true);
    return this.idempotency.run(
      { operation: 'StartModel', resourceId: model.arn, resourceType: 'MODEL', token: input.clientToken, parameters: { min, max } },
      async () => {
        const changes = { status: 'STARTING_HOSTING' as const, minInferenceUnits: min as number, maxInferenceUnits: max as number };
        if (!(await this.store.models.transition(model.projectName, model.version, ['TRAINED', 'HOSTING_FAILED'], changes))) {
          throw new ConflictError(`Model ${model.version} is ${model.status}; only a trained model can be started.`, model.arn, 'MODEL');
        }
        this.jobs.enqueue(`host ${model.arn}`, () => this.host({ ...model, ...changes }));
        return { status: 'STARTING_HOSTING' as const };
      },
    );
  }

  async stop(input: { projectName: unknown; modelVersion: unknown; clientToken?: unknown }): Promise<{ status: ModelStatus }> {
    const model = await this.find(input.projectName, input.modelVersion, true);
    return this.idempotency.run(
      { operation: 'StopModel', resourceId: model.arn, resourceType: 'MODEL', token: input.clientToken, parameters: {} },
      async () => {
        if (!(await this.store.models.transition(model.projectName, model.version, ['HOSTED', 'STARTING_HOSTING', 'HOSTING_FAILED'], { status: 'STOPPING_HOSTING' }))) {
          throw new ConflictError(`Model ${model.version} is ${model.status}; it is not hosted.`, model.arn, 'MODEL');
        }
        const pool = this.pools.get(model.arn);
        this.pools.delete(model.arn);
        this.options.metrics.forget(model.projectName, model.version);
        await pool?.stop();
        await this.store.models.transition(model.projectName, model.version, ['STOPPING_HOSTING'], { status: 'TRAINED' });
        return { status: 'STOPPING_HOSTING' as const };
      },
    );
  }

  async detect(input: { projectName: unknown; modelVersion: unknown; contentType: unknown; body: Buffer | undefined }): Promise<{ detection: Detection; segmentation: boolean }> {
    const model = await this.find(input.projectName, input.modelVersion, true);
    const pool = this.pools.get(model.arn);
    if (model.status !== 'HOSTED' || !pool) {
      throw new ConflictError(`Model ${model.version} is ${model.status}, not HOSTED; start it with StartModel first.`, model.arn, 'MODEL');
    }
    await this.requireUsableKey(model);
    const started = performance.now();
    const body = input.body ?? Buffer.alloc(0);
    try {
      await checkDetectInput(body, input.contentType, model);
    } catch (error) {
      this.options.metrics.invalidImage(model.projectName, model.version);
      throw error;
    }
    // The target is read from the stored tags on every request (one indexed read beside a detection of tens of
    // milliseconds): a TagResource or UntagResource applies from the next request on, also after a restart,
    // with no cached copy to keep in step.
    const falseAlarmRate = falseAlarmRateTarget((await this.store.models.tagsOf(model.projectName, model.version)) ?? []);
    try {
      const detection = await pool.detect(new Uint8Array(body), { falseAlarmRate });
      this.options.metrics.detected(model.projectName, model.version, detection.isAnomalous, (performance.now() - started) / 1000);
      return { detection, segmentation: detection.anomalies !== undefined };
    } catch (error) {
      if (error instanceof PoolBusyError) throw new ThrottlingError(error.message, 1);
      // The header passed checkDetectInput but the pixels did not decode (truncated, corrupt): the client's image, not a fault.
      if (error instanceof ImageFormatError) {
        this.options.metrics.invalidImage(model.projectName, model.version);
        throw new ValidationError('The image cannot be decoded.');
      }
      throw error;
    }
  }

  /** Runs again what a restart interrupted: training (once more), hosting; finishes stops and deletions. */
  async recover(): Promise<void> {
    for (const model of await this.store.models.withStatus(['TRAINING', 'STARTING_HOSTING', 'HOSTED', 'STOPPING_HOSTING', 'DELETING'])) {
      if (model.status === 'TRAINING') {
        if (model.trainingAttempts < MAX_TRAINING_ATTEMPTS) {
          await this.store.models.transition(model.projectName, model.version, ['TRAINING'], { status: 'TRAINING', trainingAttempts: model.trainingAttempts + 1 });
          this.enqueueTraining(model);
        } else {
          await this.store.models.transition(model.projectName, model.version, ['TRAINING'], {
            status: 'TRAINING_FAILED',
            statusMessage: 'Training was interrupted by restarts twice; create the model again.',
          });
        }
      } else if (model.status === 'STARTING_HOSTING' || model.status === 'HOSTED') {
        await this.store.models.transition(model.projectName, model.version, [model.status], { status: 'STARTING_HOSTING' });
        this.jobs.enqueue(`host ${model.arn}`, () => this.host(model));
      } else if (model.status === 'STOPPING_HOSTING') {
        await this.store.models.transition(model.projectName, model.version, ['STOPPING_HOSTING'], { status: 'TRAINED' });
      } else {
        if (model.artifactBlob) await this.blobs.delete(model.artifactBlob);
        await this.store.models.delete(model.projectName, model.version, ['DELETING']);
      }
    }
  }

  /** Stops every inference unit (the models stay HOSTED in the store and are hosted again at start). */
  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.stop()));
    this.pools.clear();
  }

  private async find(projectName: unknown, modelVersion: unknown, allowLatest: boolean): Promise<ModelRecord> {
    const project = await this.projects.get(projectName);
    const version = typeof modelVersion === 'string' ? modelVersion : '';
    if (!VERSION.test(version) || (!allowLatest && version === 'latest')) throw new ValidationError(`ModelVersion '${version}' is not a version number${allowLatest ? ' or latest' : ''}.`);
    const model = version === 'latest' ? await this.store.models.latest(project.name) : await this.store.models.get(project.name, Number(version));
    if (!model) throw new NotFoundError(`Project ${project.name} has no model ${version}.`, `${project.name}/${version}`, 'MODEL');
    return model;
  }

  /** A hosted model answers only while its key is usable: disabling the key stops it at once. */
  private async requireUsableKey(model: ModelRecord): Promise<void> {
    // Only a key that is gone reads as deleted; an unreachable KMS fails as itself.
    const key = await this.kms.describeKey(model.kmsKeyId).catch((error: unknown) => {
      if (error instanceof KmsError && error.name === 'NotFoundException') return undefined;
      throw error;
    });
    if (key?.state !== 'Enabled') {
      throw new AccessDeniedError(`The KMS key ${model.kmsKeyId} of model ${model.version} is ${key?.state ?? 'deleted'}; the model's data cannot be used.`);
    }
  }

  private async usableKey(kmsKeyId: string | undefined): Promise<string> {
    if (kmsKeyId === undefined) return this.kms.defaultKeyId;
    try {
      const key = await this.kms.describeKey(kmsKeyId);
      if (key.state !== 'Enabled') throw new ValidationError(`KMS key ${kmsKeyId} is ${key.state}.`);
      return key.arn;
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      if (error instanceof KmsError && error.name !== 'NotFoundException' && error.name !== 'ValidationException') throw error;
      throw new ValidationError(`KmsKeyId ${kmsKeyId} does not name a key of this installation's KMS.`);
    }
  }

  private enqueueTraining(model: ModelRecord): void {
    this.jobs.enqueue(`train ${model.arn}`, (signal) => this.train(model, signal));
  }

  private async train(model: ModelRecord, signal: AbortSignal): Promise<void> {
    const { projectName, version } = model;
    try {
      const entries = await this.datasetEntries(projectName);
      const split = trainingSplit(entries.train, entries.test, version);
      const typeOf = (entry: StoredEntry): DatasetType => (entries.test?.includes(entry) ? 'test' : 'train');
      const load = (entry: StoredEntry, key: string) => this.contents.getImage(projectName, typeOf(entry), key);
      const classes = new Map<string, string>();
      for (const entry of split.train) for (const c of entry.classes ?? []) classes.set(c.className, c.hexColor);
      const segmentation = classes.size > 0;
      const { augment } = trainingSettings((await this.store.models.tagsOf(projectName, version)) ?? []);
      // The worker reads each image when it gets to it: a large dataset never sits whole in memory.
      const sets = { train: split.train, test: split.test };
      const output = await runTraining(
        {
          train: split.train.map((entry) => ({ anomalous: entry.label === 'anomaly', mask: segmentation && entry.label === 'anomaly' && entry.mask !== undefined })),
          test: split.test.map((entry) => ({ mask: segmentation && entry.mask !== undefined, width: entry.width, height: entry.height })),
          classes: [...classes].map(([name, color]) => ({ name, color })),
          augment,
          seed: version,
          cacheDir: this.options.backboneCacheDir,
        },
        async (set, index, part) => {
          const entry = sets[set][index]!;
          return load(entry, part === 'image' ? entry.image : entry.mask!);
        },
        signal,
        (progress) => this.options.logger?.info({ model: model.arn, ...progress }, 'training progress'),
      );
      const artifactBlob = `projects/${projectName}/models/${version}/artifact`;
      await this.blobs.put(artifactBlob, Buffer.from(output.artifact), { keyId: model.kmsKeyId, context: { 'vigil:model': model.arn } });
      const evaluation = await this.writeEvaluation(model, split.test, output, split.train.length);
      const done = await this.store.models.transition(projectName, version, ['TRAINING'], {
        status: 'TRAINED',
        artifactBlob,
        imageWidth: split.train[0].width,
        imageHeight: split.train[0].height,
        performance: evaluation.performance,
        evaluationManifest: evaluation.manifestKey,
        evaluationResult: evaluation.resultKey,
        evaluationEnd: evaluation.end,
      });
      if (!done) await this.blobs.delete(artifactBlob);
    } catch (error) {
      if (signal.aborted) return; // left TRAINING: the next start trains it again
      const message =
        error instanceof TrainingDataError || error instanceof ValidationError
          ? error.message
          : `Training failed: ${(error as Error).message}`;
      await this.store.models.transition(projectName, version, ['TRAINING'], { status: 'TRAINING_FAILED', statusMessage: message });
      if (!(error instanceof TrainingDataError || error instanceof ValidationError)) throw error;
    }
  }

  private async datasetEntries(projectName: string): Promise<{ train: StoredEntry[]; test?: StoredEntry[] }> {
    const read = async (type: DatasetType) => {
      const dataset = await this.store.datasets.get(projectName, type);
      if (!dataset) return undefined;
      if (!SETTLED_DATASET.includes(dataset.status)) throw new TrainingDataError(`The ${type} dataset is ${dataset.status}; train once it is complete.`);
      return this.contents.read(projectName, type, dataset.entriesBlob);
    };
    const train = await read('train');
    if (!train) throw new TrainingDataError(`Project ${projectName} has no train dataset.`);
    return { train, test: await read('test') };
  }

  /**
   * Precision, recall and F1 on the test images, and LFV's evaluation files in the output location; the
   * result file also holds the false-alarm rates and recall a line should expect (see vigilEvaluation.ts).
   */
  private async writeEvaluation(model: ModelRecord, test: StoredEntry[], output: TrainingJobOutput, trainingImages: number) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let normals = 0;
    const end = new Date();
    const lines = test.map((entry, i) => {
      const detected = output.detections[i];
      const actual = entry.label === 'anomaly';
      if (detected.isAnomalous && actual) tp += 1;
      if (detected.isAnomalous && !actual) fp += 1;
      if (!detected.isAnomalous && actual) fn += 1;
      if (!actual) normals += 1;
      return JSON.stringify({
        ...JSON.parse(entry.text),
        'anomaly-label-detected': detected.isAnomalous ? 1 : 0,
        'anomaly-label-detected-metadata': {
          'class-name': detected.isAnomalous ? 'anomaly' : 'normal',
          confidence: detected.confidence,
          type: 'groundtruth/image-classification',
          'human-annotated': 'no',
          'creation-date': end.toISOString(),
          'job-name': `training-job/${model.projectName}-${model.version}`,
          'model-arn': model.arn,
          'project-name': model.projectName,
          'model-version': String(model.version),
        },
      });
    });
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    const performance = { precision, recall, f1Score: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
    const result = {
      Version: 1,
      EvaluationDetails: {
        ModelArn: model.arn,
        EvaluationEndTimestamp: end.toISOString(),
        NumberOfTrainingImages: trainingImages,
        NumberOfTestingImages: test.length,
      },
      AggregatedEvaluationResults: {
        Metrics: {
          Precision: precision,
          Recall: recall,
          F1Score: performance.f1Score,
          PixelAnomalyClassMetrics: output.pixelMetrics?.map((m) => ({
            ClassName: m.className,
            Precision: m.precision,
            Recall: m.recall,
            F1Score: m.f1Score,
            AIOU: m.aiou,
            NumberOfTestingImages: m.images,
          })),
        },
      },
      // Vigil's own figures, in a member of their own that Lookout for Vision clients do not look at.
      Vigil: vigilEvaluation(output.operating, normals === 0 ? null : fp / normals, normals),
    };
    const name = `${model.projectName}-${model.version}`;
    const manifestKey = `${model.outputPrefix}EvaluationManifest-${name}.json`;
    const resultKey = `${model.outputPrefix}EvaluationResult-${name}.json`;
    // A model under a customer key keeps its evaluation under that key too; otherwise the bucket's default applies.
    const sse = model.kmsKeyId === this.kms.defaultKeyId ? undefined : { algorithm: 'aws:kms' as const, kmsKeyId: model.kmsKeyId };
    await this.buckets.putObject({ bucket: model.outputBucket, key: manifestKey, body: Readable.from([Buffer.from(lines.join('\n') + '\n')]), sse });
    await this.buckets.putObject({ bucket: model.outputBucket, key: resultKey, body: Readable.from([Buffer.from(JSON.stringify(result))]), sse });
    return { performance, manifestKey, resultKey, end };
  }

  private async host(model: ModelRecord): Promise<void> {
    try {
      const artifact = await this.blobs.getBuffer(model.artifactBlob!, { 'vigil:model': model.arn });
      const pool = await InferencePool.start(new Uint8Array(artifact), {
        min: model.minInferenceUnits ?? 1,
        max: model.maxInferenceUnits ?? model.minInferenceUnits ?? 1,
        cacheDir: this.options.backboneCacheDir,
      });
      if (await this.store.models.transition(model.projectName, model.version, ['STARTING_HOSTING'], { status: 'HOSTED' })) {
        this.pools.set(model.arn, pool);
        const min = model.minInferenceUnits ?? 1;
        this.options.metrics.hosting(model.projectName, model.version, () => ({ min, max: model.maxInferenceUnits ?? min, inService: pool.inService }));
      } else {
        await pool.stop(); // stopped while starting
      }
    } catch (error) {
      await this.store.models.transition(model.projectName, model.version, ['STARTING_HOSTING'], {
        status: 'HOSTING_FAILED',
        statusMessage: `The model could not be loaded: ${(error as Error).message}`,
      });
    }
  }
}

/** The body must be the PNG or JPEG its ContentType says, of the size the model was trained on. */
async function checkDetectInput(body: Buffer, contentType: unknown, model: ModelRecord): Promise<void> {
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

function optionalText(value: unknown, member: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length < 1 || value.length > max) throw new ValidationError(`${member} must be 1 to ${max} characters.`);
  return value;
}

function outputLocation(config: unknown): { bucket: string; prefix: string } {
  const location = (config as { S3Location?: { Bucket?: unknown; Prefix?: unknown } } | undefined)?.S3Location;
  if (!location) throw new ValidationError('OutputConfig.S3Location is required: {"Bucket", "Prefix"?}.');
  const bucket = requireString(location.Bucket, 'OutputConfig.S3Location.Bucket', 's3BucketName');
  const prefix = location.Prefix ?? '';
  if (typeof prefix !== 'string' || prefix.length > 1024 || !S3_PREFIX.test(prefix)) throw new ValidationError('OutputConfig.S3Location.Prefix is not a valid key prefix.');
  return { bucket, prefix };
}
