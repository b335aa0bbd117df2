import type { SealedBlobStore } from '../blob/sealedBlobStore.js';
import type { Kms } from '../crypto/kms.js';
import type { BackgroundJobs, JobContext } from '../jobs/backgroundJobs.js';
import type { ModelRuntime } from '../jobs/modelRuntime.js';
import type { DatasetType } from '../store/datasetRecords.js';
import type { MetadataStore } from '../store/metadataStore.js';
import type { ModelRecord } from '../store/modelRecords.js';
import type { Buckets } from './buckets.js';
import type { DatasetContents, StoredEntry } from './datasetContents.js';
import { ValidationError } from './errors.js';
import { writeEvaluation } from './modelEvaluation.js';
import { TrainingDataError, trainingSplit } from './modelTrainingData.js';
import { trainingSettings } from './reservedTags.js';

const SETTLED_DATASET = ['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_FAILED_ROLLBACK_COMPLETE'];
/** A training interrupted (restart, node lost) is run again once; then the model fails. */
export const MAX_TRAINING_ATTEMPTS = 2;

/** What a training job names: the model, nothing else (the job is stored when nodes share a database). */
interface TrainingPayload {
  projectName: string;
  version: number;
}

export interface ModelTrainerDeps {
  store: MetadataStore;
  contents: DatasetContents;
  blobs: SealedBlobStore;
  buckets: Buckets;
  kms: Kms;
  jobs: BackgroundJobs;
  runtime: ModelRuntime;
  /** Where training progress is logged (per stage; names and counts only). */
  logger?: { info(fields: object, message: string): void };
}

/**
 * Training a model in the background: the project's datasets split into training and test images, the
 * runtime trains on them (reading each image when it gets to it), then the sealed artifact and the
 * evaluation files are written and the model becomes TRAINED (or TRAINING_FAILED with the reason).
 */
export class ModelTrainer {
  constructor(private readonly deps: ModelTrainerDeps) {
    deps.jobs.handle('train', (payload, context) => this.run(payload as TrainingPayload, context));
  }

  /** Trains the model (in TRAINING) as a background job. */
  async enqueue(model: ModelRecord): Promise<void> {
    await this.deps.jobs.submit('train', model.arn, { projectName: model.projectName, version: model.version } satisfies TrainingPayload);
  }

  private async run({ projectName, version }: TrainingPayload, context: JobContext): Promise<void> {
    const model = await this.deps.store.models.get(projectName, version);
    if (model?.status !== 'TRAINING') return; // finished by an earlier attempt, or gone
    if (context.attempt > MAX_TRAINING_ATTEMPTS) {
      await context.finish(async () => {
        await this.deps.store.models.transition(projectName, version, ['TRAINING'], {
          status: 'TRAINING_FAILED',
          statusMessage: 'Training was interrupted twice (the node that ran it stopped); create the model again.',
        });
      });
      return;
    }
    await this.train(model, context);
  }

  private async train(model: ModelRecord, context: JobContext): Promise<void> {
    const { store, contents, blobs, runtime, logger } = this.deps;
    const { signal } = context;
    const { projectName, version } = model;
    try {
      const entries = await this.datasetEntries(projectName);
      const split = trainingSplit(entries.train, entries.test, version);
      const typeOf = (entry: StoredEntry): DatasetType => (entries.test?.includes(entry) ? 'test' : 'train');
      const load = (entry: StoredEntry, key: string) => contents.getImage(projectName, typeOf(entry), key);
      const classes = new Map<string, string>();
      for (const entry of split.train) for (const c of entry.classes ?? []) classes.set(c.className, c.hexColor);
      const segmentation = classes.size > 0;
      const { augment, surface, anomalyHead } = trainingSettings((await store.models.tagsOf(projectName, version)) ?? []);
      // The runtime reads each image when it gets to it: a large dataset never sits whole in memory.
      const sets = { train: split.train, test: split.test };
      const output = await runtime.train(
        {
          train: split.train.map((entry) => ({ anomalous: entry.label === 'anomaly', mask: segmentation && entry.label === 'anomaly' && entry.mask !== undefined })),
          test: split.test.map((entry) => ({ mask: segmentation && entry.mask !== undefined, width: entry.width, height: entry.height })),
          classes: [...classes].map(([name, color]) => ({ name, color })),
          augment,
          surface,
          anomalyHead,
          // The model version is the seed: `vigil eval --seed N` trains the same model on the same images.
          seed: version,
        },
        async (set, index, part) => {
          const entry = sets[set][index]!;
          return load(entry, part === 'image' ? entry.image : entry.mask!);
        },
        signal,
        (progress) => logger?.info({ model: model.arn, ...progress }, 'training progress'),
      );
      // Each attempt writes its own artifact: a run that lost its job to another node never overwrites the winner's.
      const artifactBlob = `projects/${projectName}/models/${version}/artifact${context.attempt > 1 ? `.${context.attempt}` : ''}`;
      await blobs.put(artifactBlob, Buffer.from(output.artifact), { keyId: model.kmsKeyId, context: { 'vigil:model': model.arn } });
      const evaluation = await writeEvaluation(this.deps.buckets, this.deps.kms.defaultKeyId, model, split.test, output, split.train.length);
      let done = false;
      const owned = await context.finish(async () => {
        done = await store.models.transition(projectName, version, ['TRAINING'], {
          status: 'TRAINED',
          artifactBlob,
          imageWidth: split.train[0].width,
          imageHeight: split.train[0].height,
          performance: evaluation.performance,
          evaluationManifest: evaluation.manifestKey,
          evaluationResult: evaluation.resultKey,
          evaluationEnd: evaluation.end,
        });
      });
      if (!owned || !done) await blobs.delete(artifactBlob);
    } catch (error) {
      if (signal.aborted) return; // left TRAINING: the next start (or another node) trains it again
      const message = error instanceof TrainingDataError || error instanceof ValidationError ? error.message : `Training failed: ${(error as Error).message}`;
      await context.finish(async () => {
        await store.models.transition(projectName, version, ['TRAINING'], { status: 'TRAINING_FAILED', statusMessage: message });
      });
      if (!(error instanceof TrainingDataError || error instanceof ValidationError)) throw error;
    }
  }

  private async datasetEntries(projectName: string): Promise<{ train: StoredEntry[]; test?: StoredEntry[] }> {
    const read = async (type: DatasetType) => {
      const dataset = await this.deps.store.datasets.get(projectName, type);
      if (!dataset) return undefined;
      if (!SETTLED_DATASET.includes(dataset.status)) throw new TrainingDataError(`The ${type} dataset is ${dataset.status}; train once it is complete.`);
      return this.deps.contents.read(projectName, type, dataset.entriesBlob);
    };
    const train = await read('train');
    if (!train) throw new TrainingDataError(`Project ${projectName} has no train dataset.`);
    return { train, test: await read('test') };
  }
}
