import type { SealedBlobStore } from '../blob/sealedBlobStore.js';
import type { Kms } from '../crypto/kms.js';
import { KmsError } from '../crypto/kmsErrors.js';
import type { MetadataStore } from '../store/metadataStore.js';
import type { ModelRecord, ModelStatus } from '../store/modelRecords.js';
import type { Buckets } from './buckets.js';
import { ConflictError, ValidationError } from './errors.js';
import type { Idempotency } from './idempotency.js';
import type { ModelHosting } from './modelHosting.js';
import { findModel } from './modelLookup.js';
import { MAX_TRAINING_ATTEMPTS, type ModelTrainer } from './modelTrainer.js';
import { decodePageToken, encodePageToken, pageSize } from './pagination.js';
import type { Installation, Projects } from './projects.js';
import { checkCreateTags } from './reservedTags.js';
import type { Tag } from './tags.js';

export interface ModelsDeps {
  store: MetadataStore;
  blobs: SealedBlobStore;
  buckets: Buckets;
  kms: Kms;
  idempotency: Idempotency;
  projects: Projects;
  installation: Installation;
  training: ModelTrainer;
  hosting: ModelHosting;
}

/**
 * Models: CreateModel (which starts training, see modelTrainer.ts), DescribeModel, ListModels, DeleteModel,
 * and the recovery of what a restart interrupted. Hosting and DetectAnomalies are in modelHosting.ts.
 */
export class Models {
  private readonly store: MetadataStore;
  private readonly blobs: SealedBlobStore;
  private readonly kms: Kms;
  private readonly idempotency: Idempotency;
  private readonly projects: Projects;
  private readonly installation: Installation;

  constructor(private readonly deps: ModelsDeps) {
    this.store = deps.store;
    this.blobs = deps.blobs;
    this.kms = deps.kms;
    this.idempotency = deps.idempotency;
    this.projects = deps.projects;
    this.installation = deps.installation;
  }

  async create(input: {
    projectName: string;
    description?: string;
    /** Where training writes the evaluation files; the prefix is '' for none. */
    output: { bucket: string; prefix: string };
    kmsKeyId?: string;
    tags?: Tag[];
    clientToken?: string;
  }): Promise<ModelRecord> {
    const { projectName, description, output, kmsKeyId, tags = [] } = input;
    checkCreateTags(tags);
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
        // The request's own members first, then the project's state.
        await this.deps.buckets.headBucket(output.bucket).catch(() => {
          throw new ValidationError(`OutputConfig names bucket ${output.bucket}, which does not exist.`);
        });
        const keyArn = await this.usableKey(kmsKeyId);
        // Nothing to train on is refused at once, as Lookout for Vision does; too few images fail the training with the counts.
        const train = await this.store.datasets.get(projectName, 'train');
        if (!train) throw new ValidationError(`Project ${projectName} has no training dataset; create one with CreateDataset first.`);
        if (train.stats.labeled === 0) throw new ValidationError(`The training dataset of project ${projectName} has no labeled images.`);
        const now = new Date();
        const model = await this.projects.insertUnder(projectName, () =>
          this.store.models.create(
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
          ),
        );
        await this.deps.training.enqueue(model);
        return model;
      },
    );
  }

  async describe(input: { projectName: string; modelVersion: string }): Promise<ModelRecord> {
    return this.find(input.projectName, input.modelVersion);
  }

  async list(input: { projectName: string; maxResults?: number; nextToken?: string }): Promise<{ models: ModelRecord[]; nextToken?: string }> {
    const project = await this.projects.get(input.projectName);
    const limit = pageSize(input.maxResults);
    const listing = `models ${project.name}`;
    const after = decodePageToken(listing, input.nextToken);
    const page = await this.store.models.list(project.name, limit, after === undefined ? undefined : Number(after));
    return { models: page.items, nextToken: page.next === undefined ? undefined : encodePageToken(listing, String(page.next)) };
  }

  /** Deletes a model that is neither training nor hosted, with its sealed artifact. */
  async delete(input: { projectName: string; modelVersion: string; clientToken?: string }): Promise<{ modelArn: string }> {
    const { projectName } = input;
    return this.idempotency.run({ operation: 'DeleteModel', resourceId: `${projectName}/${input.modelVersion}`, resourceType: 'MODEL', token: input.clientToken, parameters: {} }, async () => {
      const model = await this.find(projectName, input.modelVersion);
      const deletable: ModelStatus[] = ['TRAINED', 'TRAINING_FAILED', 'HOSTING_FAILED'];
      if (!(await this.store.models.transition(model.projectName, model.version, deletable, { status: 'DELETING' }))) {
        throw new ConflictError(`Model ${model.version} is ${model.status}; stop it or wait for training to end before deleting it.`, model.arn, 'MODEL');
      }
      if (model.artifactBlob) await this.blobs.delete(model.artifactBlob);
      await this.store.models.delete(model.projectName, model.version, ['DELETING']);
      return { modelArn: model.arn };
    });
  }

  /**
   * Runs again what a restart interrupted: training (once more), hosting; finishes stops and deletions.
   * With jobs shared by nodes (`sharedJobs`), a training belongs to its job, which another live node may
   * be running: it is only queued again when its job was lost (the node stopped between creating the
   * model and queuing it); a job whose node died is taken over when its lease runs out.
   */
  async recover(sharedJobs = false): Promise<void> {
    for (const model of await this.store.models.withStatus(['TRAINING', 'STARTING_HOSTING', 'HOSTED', 'STOPPING_HOSTING', 'DELETING'])) {
      if (model.status === 'TRAINING' && sharedJobs) {
        await this.deps.training.enqueue(model); // nothing changes when its job is there
      } else if (model.status === 'TRAINING') {
        if (model.trainingAttempts < MAX_TRAINING_ATTEMPTS) {
          await this.store.models.transition(model.projectName, model.version, ['TRAINING'], { status: 'TRAINING', trainingAttempts: model.trainingAttempts + 1 });
          await this.deps.training.enqueue(model);
        } else {
          await this.store.models.transition(model.projectName, model.version, ['TRAINING'], {
            status: 'TRAINING_FAILED',
            statusMessage: 'Training was interrupted by restarts twice; create the model again.',
          });
        }
      } else if (model.status === 'STARTING_HOSTING' || model.status === 'HOSTED' || model.status === 'STOPPING_HOSTING') {
        await this.deps.hosting.resume(model);
      } else {
        if (model.artifactBlob) await this.blobs.delete(model.artifactBlob);
        await this.store.models.delete(model.projectName, model.version, ['DELETING']);
      }
    }
  }

  /**
   * With jobs shared by nodes: queues again every training whose job was lost (its node stopped between
   * creating the model and queuing the job); a training that has its job is left to it. Run periodically.
   */
  async requeueLostTraining(): Promise<void> {
    for (const model of await this.store.models.withStatus(['TRAINING'])) await this.deps.training.enqueue(model);
  }

  private find(projectName: string, modelVersion: string): Promise<ModelRecord> {
    return findModel(this.store, this.projects, projectName, modelVersion);
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
}
