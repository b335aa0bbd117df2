import { Readable } from 'node:stream';
import type { BackgroundJobs, JobContext } from '../jobs/backgroundJobs.js';
import type { DatasetRecord, DatasetStatus, DatasetType, ImageStats } from '../store/datasetRecords.js';
import type { MetadataStore } from '../store/metadataStore.js';
import { checkChangesFormat } from './datasetChanges.js';
import { type DatasetContents, referencedBlobs, type StoredEntry, statsOf } from './datasetContents.js';
import { DatasetImporter, ImportError } from './datasetImport.js';
import { ConflictError, NotFoundError } from './errors.js';
import type { Idempotency } from './idempotency.js';
import { ManifestReadError, manifestLines } from './manifestLines.js';
import type { ObjectSource } from './objectSource.js';
import { decodePageToken, encodePageToken, pageSize } from './pagination.js';
import { type DatasetMetadata, datasetMetadata, type Projects } from './projects.js';

/** Largest manifest a dataset is created from (Lookout for Vision quotas, https://docs.aws.amazon.com/lookout-for-vision/latest/developer-guide/limits.html). */
export const MAX_MANIFEST_BYTES = 1024 ** 3;
/** Largest decoded UpdateDatasetEntries Changes. */
export const MAX_CHANGES_BYTES = 10_485_760;
/** A raw manifest line may carry formatting whitespace beyond the 8192 characters of an entry. */
const MAX_RAW_LINE_CHARS = 64 * 1024;

/** Statuses in which a dataset is at rest and may be changed or deleted. */
const SETTLED: readonly DatasetStatus[] = ['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_FAILED_ROLLBACK_COMPLETE'];
const DELETABLE: readonly DatasetStatus[] = [...SETTLED, 'CREATE_FAILED', 'DELETE_FAILED'];

export interface DatasetDescription extends DatasetMetadata {
  projectName: string;
  lastUpdatedTimestamp: Date;
  imageStats: ImageStats;
}

export interface EntryFilter {
  labeled?: boolean;
  anomalyClass?: 'normal' | 'anomaly';
  createdBefore?: Date;
  createdAfter?: Date;
  sourceRefContains?: string;
}

/**
 * Datasets: a project's `train` (and optional `test`) image sets. Creating from a manifest and
 * updating entries run as background jobs that copy every image into the dataset's own sealed
 * storage; a failure keeps the previous content and leaves no copies behind.
 */
export class Datasets {
  private readonly importer: DatasetImporter;

  constructor(
    private readonly store: MetadataStore,
    private readonly contents: DatasetContents,
    private readonly objects: ObjectSource,
    private readonly jobs: BackgroundJobs,
    private readonly idempotency: Idempotency,
    private readonly projects: Projects,
  ) {
    this.importer = new DatasetImporter(store, contents, objects);
    jobs.handle('dataset', (payload, context) => this.run(payload as DatasetJob, context));
  }

  /** Creates a dataset: empty, or imported from a Ground Truth manifest in the background. */
  async create(input: { projectName: string; datasetType: DatasetType; manifest?: ManifestObject; clientToken?: string }): Promise<DatasetMetadata> {
    const { projectName, datasetType, manifest } = input;
    return this.idempotency.run(
      {
        operation: 'CreateDataset',
        resourceId: `${projectName}/${datasetType}`,
        resourceType: 'DATASET',
        token: input.clientToken,
        parameters: { projectName, datasetType, manifest },
      },
      async () => {
        await this.projects.get(projectName);
        const now = new Date();
        const record: DatasetRecord = {
          projectName,
          datasetType,
          status: manifest ? 'CREATE_IN_PROGRESS' : 'CREATE_COMPLETE',
          createdAt: now,
          updatedAt: now,
          stats: { total: 0, labeled: 0, normal: 0, anomaly: 0 },
        };
        if (!(await this.projects.insertUnder(projectName, () => this.store.datasets.create(record)))) {
          throw new ConflictError(`Project ${projectName} already has a ${datasetType} dataset; delete it first to replace it.`, projectName, 'DATASET');
        }
        if (manifest) await this.submit({ operation: 'create', projectName, datasetType, manifest });
        return datasetMetadata(record);
      },
    );
  }

  async describe(input: { projectName: string; datasetType: DatasetType }): Promise<DatasetDescription> {
    const dataset = await this.get(input.projectName, input.datasetType);
    return {
      ...datasetMetadata(dataset),
      projectName: dataset.projectName,
      lastUpdatedTimestamp: dataset.updatedAt,
      imageStats: dataset.stats,
    };
  }

  async listEntries(input: { projectName: string; datasetType: DatasetType; filter: EntryFilter; maxResults?: number; nextToken?: string }) {
    const dataset = await this.get(input.projectName, input.datasetType);
    const limit = pageSize(input.maxResults);
    const { createdBefore, createdAfter, labeled, anomalyClass, sourceRefContains: contains } = input.filter;
    // A token is bound to one version of the entry list, so pages never skip or repeat entries.
    const listing = `entries ${dataset.projectName}/${dataset.datasetType} ${dataset.entriesBlob ?? ''}`;
    const start = Number(decodePageToken(listing, input.nextToken) ?? 0);
    const entries = await this.contents.read(dataset.projectName, dataset.datasetType, dataset.entriesBlob);
    const matches = entries.filter(
      (e) =>
        (labeled === undefined || (e.label !== undefined) === labeled) &&
        (anomalyClass === undefined || e.label === anomalyClass) &&
        (createdBefore === undefined || e.createdAt < createdBefore.getTime()) &&
        (createdAfter === undefined || e.createdAt > createdAfter.getTime()) &&
        (contains === undefined || e.sourceRef.includes(contains)),
    );
    const page = matches.slice(start, start + limit);
    return {
      entries: page.map((e) => e.text),
      nextToken: start + limit < matches.length ? encodePageToken(listing, String(start + limit)) : undefined,
    };
  }

  /** Applies Changes (1..MAX_CHANGES_BYTES of JSON Lines manifest entries) in the background. */
  async updateEntries(input: { projectName: string; datasetType: DatasetType; changes: Buffer; clientToken?: string }): Promise<{ status: DatasetStatus }> {
    const { projectName, datasetType, changes } = input;
    checkChangesFormat(changes);
    return this.idempotency.run(
      {
        operation: 'UpdateDatasetEntries',
        resourceId: `${projectName}/${datasetType}`,
        resourceType: 'DATASET',
        token: input.clientToken,
        parameters: { projectName, datasetType, changes: changes.toString('base64') },
      },
      async () => {
        const dataset = await this.get(projectName, datasetType);
        if (!(await this.store.datasets.transition(projectName, datasetType, SETTLED, { status: 'UPDATE_IN_PROGRESS' }))) {
          throw this.busy(dataset, 'updated');
        }
        // Shared by nodes, the job carries ids only: the Changes wait sealed in the object store.
        if (this.jobs.shared) await this.submit({ operation: 'update', projectName, datasetType, changesBlob: await this.contents.putChanges(projectName, datasetType, changes) });
        else await this.submit({ operation: 'update', projectName, datasetType, changes });
        return { status: 'UPDATE_IN_PROGRESS' as const };
      },
    );
  }

  async delete(input: { projectName: string; datasetType: DatasetType; clientToken?: string }): Promise<void> {
    const { projectName, datasetType } = input;
    await this.idempotency.run({ operation: 'DeleteDataset', resourceId: `${projectName}/${datasetType}`, resourceType: 'DATASET', token: input.clientToken, parameters: {} }, async () => {
      const dataset = await this.get(projectName, datasetType);
      if (!(await this.store.datasets.transition(projectName, datasetType, DELETABLE, { status: 'DELETE_IN_PROGRESS' }))) {
        throw this.busy(dataset, 'deleted');
      }
      await this.submit({ operation: 'delete', projectName, datasetType });
      return {};
    });
  }

  /** The entries of a dataset, for training. */
  async entriesOf(projectName: string, datasetType: DatasetType): Promise<StoredEntry[]> {
    const dataset = await this.get(projectName, datasetType);
    return this.contents.read(projectName, datasetType, dataset.entriesBlob);
  }

  /**
   * Finishes what a crash or shutdown interrupted: imports are rolled back (their copies deleted,
   * the previous version kept) and deletions completed. Called once at start. With jobs shared by
   * nodes, another live node may be running them: each is left to its job (taken over by another node
   * when its node died), and only a dataset whose job was lost (its node stopped between the status
   * change and queuing the job) is rolled back here, through a job of its own.
   */
  async recover(sharedJobs = false): Promise<void> {
    for (const dataset of await this.store.datasets.listInProgress()) {
      const { projectName, datasetType } = dataset;
      if (sharedJobs) {
        await this.rollBackLost(dataset);
      } else if (dataset.status === 'DELETE_IN_PROGRESS') {
        await this.finishDelete(projectName, datasetType);
      } else {
        await this.rollBackInterrupted(dataset);
      }
    }
  }

  /**
   * With jobs shared by nodes: rolls back every import or deletion whose job was lost (its node stopped
   * between the status change and queuing the job). Only one unchanged for LOST_JOB_AGE_MS: a node that
   * has just changed the status is about to queue its job. Run periodically.
   */
  async rollBackLostJobs(): Promise<void> {
    for (const dataset of await this.store.datasets.listInProgress()) await this.rollBackLost(dataset);
  }

  private async rollBackLost(dataset: DatasetRecord): Promise<void> {
    const { projectName, datasetType } = dataset;
    if (Date.now() - dataset.updatedAt.getTime() < LOST_JOB_AGE_MS) return;
    if (!(await this.store.jobs?.has('dataset', `${projectName}/${datasetType}`))) await this.submit({ operation: 'rollback', projectName, datasetType });
  }

  /** An import that stopped part-way: its copies deleted, the previous version kept, the dataset marked failed. */
  private async rollBackInterrupted(dataset: DatasetRecord): Promise<void> {
    const { projectName, datasetType } = dataset;
    const entries = await this.contents.read(projectName, datasetType, dataset.entriesBlob);
    await this.contents.collectGarbage(projectName, datasetType, referencedBlobs(dataset.entriesBlob, entries));
    const message = 'Vigil stopped before this finished; nothing was changed. Run it again.';
    const status: DatasetStatus = dataset.status === 'CREATE_IN_PROGRESS' ? 'CREATE_FAILED' : 'UPDATE_FAILED_ROLLBACK_COMPLETE';
    await this.store.datasets.transition(projectName, datasetType, [dataset.status], { status, statusMessage: message });
    await this.store.projects.releaseImageSizeIfUnused(projectName);
  }

  private async submit(job: DatasetJob): Promise<void> {
    await this.jobs.submit('dataset', `${job.projectName}/${job.datasetType}`, job);
  }

  /** One dataset job: an import, a deletion, or (taken over from a node that stopped) their rollback or completion. */
  private async run(job: DatasetJob, context: JobContext): Promise<void> {
    const { projectName, datasetType } = job;
    try {
      const dataset = await this.store.datasets.get(projectName, datasetType);
      if (!dataset || !IN_PROGRESS.includes(dataset.status)) return; // finished by an earlier attempt, or gone
      if (dataset.status === 'DELETE_IN_PROGRESS') {
        await this.finishDelete(projectName, datasetType);
        await context.finish(async () => {});
      } else if (context.attempt > 1 || job.operation === 'rollback') {
        // Taken over from a node that stopped part-way: rolled back as a restart does, never half-applied.
        await context.finish(() => this.rollBackInterrupted(dataset));
      } else if (job.operation === 'create') {
        await this.createFromManifest(dataset, job.manifest, context);
      } else if (job.operation === 'update') {
        const changes = job.changes ?? (await this.contents.getChanges(projectName, datasetType, job.changesBlob!));
        await this.update(dataset, changes, context);
      }
    } finally {
      if (job.operation === 'update' && job.changesBlob && !context.signal.aborted) await this.contents.deleteChanges(job.changesBlob);
    }
  }

  private async get(projectName: string, datasetType: DatasetType): Promise<DatasetRecord> {
    await this.projects.get(projectName);
    const dataset = await this.store.datasets.get(projectName, datasetType);
    if (!dataset) throw new NotFoundError(`Project ${projectName} has no ${datasetType} dataset.`, `${projectName}/${datasetType}`, 'DATASET');
    return dataset;
  }

  private busy(dataset: DatasetRecord, what: string): ConflictError {
    return new ConflictError(
      `The ${dataset.datasetType} dataset of project ${dataset.projectName} is ${dataset.status} and cannot be ${what} now.`,
      `${dataset.projectName}/${dataset.datasetType}`,
      'DATASET',
    );
  }

  private async createFromManifest(record: DatasetRecord, manifest: ManifestObject, context: JobContext): Promise<void> {
    const { projectName, datasetType } = record;
    const { signal } = context;
    const written = new Set<string>();
    try {
      const object = await this.objects.getObject(manifest.Bucket, manifest.Key, { versionId: manifest.VersionId }).catch((error: Error) => {
        throw new ImportError(`Cannot read the manifest s3://${manifest.Bucket}/${manifest.Key}: ${error.message}`);
      });
      if (object.size > MAX_MANIFEST_BYTES) {
        object.body.destroy();
        throw new ImportError(`The manifest is ${object.size} bytes; at most 1 GB is allowed.`);
      }
      const result = await this.importer.run({ projectName, datasetType, lines: manifestLines(object.body, MAX_RAW_LINE_CHARS), existing: [], signal }, written);
      const entriesBlob = await this.contents.write(projectName, datasetType, result.entries);
      written.add(entriesBlob);
      let committed = false;
      const owned = await context.finish(async () => {
        committed = await this.store.datasets.transition(projectName, datasetType, ['CREATE_IN_PROGRESS'], {
          status: 'CREATE_COMPLETE',
          entriesBlob,
          stats: statsOf(result.entries),
          imageBucket: result.imageBucket,
        });
        if (!committed) throw new ImportError('The dataset changed while it was being created.');
      });
      if (!owned) return; // another node took the job over: its rollback deletes these copies
    } catch (error) {
      if (signal.aborted && this.jobs.shared) return; // another node takes the job over and rolls it back
      await context.finish(async () => {
        await this.contents.collectGarbage(projectName, datasetType, new Set());
        await this.store.datasets.transition(projectName, datasetType, ['CREATE_IN_PROGRESS'], {
          status: 'CREATE_FAILED',
          statusMessage: failureMessage(error),
        });
        await this.store.projects.releaseImageSizeIfUnused(projectName);
      });
      if (!isExpected(error)) throw error;
    }
  }

  private async update(dataset: DatasetRecord, changes: Buffer, context: JobContext): Promise<void> {
    const { projectName, datasetType } = dataset;
    const { signal } = context;
    const written = new Set<string>();
    try {
      const existing = await this.contents.read(projectName, datasetType, dataset.entriesBlob);
      const result = await this.importer.run(
        { projectName, datasetType, lines: manifestLines(Readable.from([changes]), MAX_RAW_LINE_CHARS), existing, imageBucket: dataset.imageBucket, signal },
        written,
      );
      const entriesBlob = await this.contents.write(projectName, datasetType, result.entries);
      written.add(entriesBlob);
      const owned = await context.finish(async () => {
        const committed = await this.store.datasets.transition(projectName, datasetType, ['UPDATE_IN_PROGRESS'], {
          status: 'UPDATE_COMPLETE',
          entriesBlob,
          stats: statsOf(result.entries),
          imageBucket: result.imageBucket,
        });
        if (!committed) throw new ImportError('The dataset changed while it was being updated.');
        // The new version is committed: the replaced copies and the old list are garbage now.
        await this.contents.collectGarbage(projectName, datasetType, referencedBlobs(entriesBlob, result.entries));
      });
      if (!owned) return; // another node took the job over: its rollback deletes these copies
    } catch (error) {
      if (signal.aborted && this.jobs.shared) return; // another node takes the job over and rolls it back
      await context.finish(async () => {
        await this.store.datasets.transition(projectName, datasetType, ['UPDATE_IN_PROGRESS'], {
          status: 'UPDATE_FAILED_ROLLBACK_IN_PROGRESS',
          statusMessage: failureMessage(error),
        });
        const existing = await this.contents.read(projectName, datasetType, dataset.entriesBlob);
        await this.contents.collectGarbage(projectName, datasetType, referencedBlobs(dataset.entriesBlob, existing));
        await this.store.datasets.transition(projectName, datasetType, ['UPDATE_FAILED_ROLLBACK_IN_PROGRESS'], {
          status: 'UPDATE_FAILED_ROLLBACK_COMPLETE',
          statusMessage: failureMessage(error),
        });
        await this.store.projects.releaseImageSizeIfUnused(projectName);
      });
      if (!isExpected(error)) throw error;
    }
  }

  private async finishDelete(projectName: string, datasetType: DatasetType): Promise<void> {
    try {
      await this.contents.collectGarbage(projectName, datasetType, new Set());
      await this.store.datasets.delete(projectName, datasetType);
      await this.store.projects.releaseImageSizeIfUnused(projectName);
    } catch (error) {
      await this.store.datasets.transition(projectName, datasetType, ['DELETE_IN_PROGRESS'], {
        status: 'DELETE_FAILED',
        statusMessage: 'The dataset could not be deleted completely; delete it again.',
      });
      throw error;
    }
  }
}

/** How long a dataset may be in progress without a job before the job counts as lost (nodes sharing a database). */
const LOST_JOB_AGE_MS = 60_000;

/** Statuses in which a dataset has a job working on it. */
const IN_PROGRESS: readonly DatasetStatus[] = ['CREATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'UPDATE_FAILED_ROLLBACK_IN_PROGRESS', 'DELETE_IN_PROGRESS'];

/**
 * What a dataset job does. Stored (nodes sharing a database) it holds names only: an update's Changes
 * are then in `changesBlob`; in process they travel as `changes`.
 */
type DatasetJob = { projectName: string; datasetType: DatasetType } & (
  | { operation: 'create'; manifest: ManifestObject }
  | { operation: 'update'; changes?: Buffer; changesBlob?: string }
  | { operation: 'delete' }
  | { operation: 'rollback' }
);

/** DatasetSource.GroundTruthManifest.S3Object: the manifest a dataset is created from. */
export interface ManifestObject {
  Bucket: string;
  Key: string;
  VersionId?: string;
}

function isExpected(error: unknown): boolean {
  return error instanceof ImportError || error instanceof ManifestReadError;
}

function failureMessage(error: unknown): string {
  return isExpected(error) ? (error as Error).message : 'An internal error stopped the import; see the server log.';
}
