import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { SealedBlobStore } from '../blob/sealedBlobStore.js';
import type { Kms } from '../crypto/kms.js';
import type { BackgroundJobs, JobContext } from '../jobs/backgroundJobs.js';
import { backboneInfo } from '../ml/index.js';
import type { MetadataStore } from '../store/metadataStore.js';
import type { GreengrassConfiguration, ModelPackagingJobRecord, ModelPackagingOutput } from '../store/modelPackagingRecords.js';
import type { ModelRecord, ModelStatus } from '../store/modelRecords.js';
import type { Buckets } from './buckets.js';
import { ConflictError, NotFoundError, ValidationError } from './errors.js';
import type { Idempotency } from './idempotency.js';
import { findModel } from './modelLookup.js';
import { newPackageKey, PACKAGE_FILES, type PackageManifest, packageKeyFile, recipeDigest, sealArchive } from './modelPackageFormat.js';
import { decodePageToken, encodePageToken, pageSize } from './pagination.js';
import type { Installation, Projects } from './projects.js';
import { falseAlarmRateTarget } from './reservedTags.js';

/**
 * Configuration.Greengrass of a request, each member's shape already checked by the operation's schema;
 * ComponentVersion is absent when not given (it defaults from the model).
 */
export type GreengrassRequest = Omit<GreengrassConfiguration, 'ComponentVersion'> & { ComponentVersion?: string };
/** Models whose training succeeded: their artifact exists, hosted or not. */
const PACKAGEABLE: readonly ModelStatus[] = ['TRAINED', 'STARTING_HOSTING', 'HOSTED', 'HOSTING_FAILED', 'STOPPING_HOSTING'];
/** A job interrupted by a restart is run again this many times in all before it is marked failed. */
const MAX_ATTEMPTS = 2;

/** What a packaging job names (stored when nodes share a database). */
interface PackagingPayload {
  projectName: string;
  jobName: string;
}
/** Greengrass platform names of the architectures Vigil runs on. */
const GREENGRASS_ARCH: Record<string, string> = { X86_64: 'amd64', ARM64: 'aarch64' };

export interface ModelPackagingDeps {
  store: MetadataStore;
  blobs: SealedBlobStore;
  buckets: Buckets;
  kms: Kms;
  jobs: BackgroundJobs;
  idempotency: Idempotency;
  projects: Projects;
  installation: Installation;
}

/**
 * Model packaging (StartModelPackagingJob, DescribeModelPackagingJob, ListModelPackagingJobs): a trained model
 * becomes a Greengrass-v2-style component in the output bucket that `vigil edge` installs and serves over the
 * Lookout for Vision Edge Agent API. Jobs run CREATED → RUNNING → SUCCEEDED | FAILED (with a StatusMessage);
 * a job a restart interrupted is run again once, then failed. The package format: modelPackageFormat.ts.
 */
export class ModelPackaging {
  constructor(private readonly deps: ModelPackagingDeps) {
    deps.jobs.handle('package', (payload, context) => this.run(payload as PackagingPayload, context));
  }

  /** `modelVersion` is a version number or `latest`. */
  async start(input: { projectName: string; modelVersion: string; jobName?: string; configuration: GreengrassRequest; description?: string; clientToken?: string }): Promise<{ jobName: string }> {
    const { projectName, jobName, description } = input;
    const configuration = checkedConfiguration(input.configuration);
    return this.deps.idempotency.run(
      {
        operation: 'StartModelPackagingJob',
        resourceId: projectName,
        resourceType: 'MODEL_PACKAGE_JOB',
        token: input.clientToken,
        parameters: { projectName, modelVersion: input.modelVersion, jobName, description, configuration },
      },
      async () => {
        const model = await findModel(this.deps.store, this.deps.projects, projectName, input.modelVersion);
        if (!PACKAGEABLE.includes(model.status)) {
          throw new ConflictError(`Model ${model.version} is ${model.status}; only a trained model can be packaged.`, model.arn, 'MODEL');
        }
        await this.deps.buckets.headBucket(configuration.S3OutputLocation.Bucket).catch(() => {
          throw new ValidationError(`S3OutputLocation names bucket ${configuration.S3OutputLocation.Bucket}, which does not exist.`);
        });
        const full: GreengrassConfiguration = { ...configuration, ComponentVersion: configuration.ComponentVersion ?? `${model.version}.0.0` };
        const now = new Date();
        const record: ModelPackagingJobRecord = {
          projectName: model.projectName,
          jobName: jobName ?? generatedJobName(model),
          modelVersion: model.version,
          modelArn: model.arn,
          description,
          configuration: full,
          componentName: full.ComponentName,
          componentVersion: full.ComponentVersion,
          status: 'CREATED',
          attempts: 1,
          createdAt: now,
          updatedAt: now,
        };
        const created = await this.deps.store.modelPackagingJobs.create(record);
        if (created === 'nameTaken') {
          throw new ConflictError(`Project ${projectName} already has a model packaging job named ${record.jobName}.`, record.jobName, 'MODEL_PACKAGE_JOB');
        }
        if (created === 'componentTaken') {
          throw new ConflictError(
            `Component ${record.componentName} version ${record.componentVersion} already exists; choose another ComponentVersion.`,
            `${record.componentName}:${record.componentVersion}`,
            'MODEL_PACKAGE_JOB',
          );
        }
        await this.enqueue(record);
        return { jobName: record.jobName };
      },
    );
  }

  async describe(input: { projectName: string; jobName: string }): Promise<ModelPackagingJobRecord> {
    const project = await this.deps.projects.get(input.projectName);
    const { jobName } = input;
    const job = await this.deps.store.modelPackagingJobs.get(project.name, jobName);
    if (!job) throw new NotFoundError(`Project ${project.name} has no model packaging job ${jobName}.`, jobName, 'MODEL_PACKAGE_JOB');
    return job;
  }

  async list(input: { projectName: string; maxResults?: number; nextToken?: string }): Promise<{ jobs: ModelPackagingJobRecord[]; nextToken?: string }> {
    const project = await this.deps.projects.get(input.projectName);
    const limit = pageSize(input.maxResults);
    const listing = `modelpackagingjobs ${project.name}`;
    const after = decodePageToken(listing, input.nextToken);
    const page = await this.deps.store.modelPackagingJobs.list(project.name, limit, after);
    return { jobs: page.items, nextToken: page.next === undefined ? undefined : encodePageToken(listing, page.next) };
  }

  /**
   * After a restart: runs again a job that was waiting or running (once more), else fails it. Never leaves
   * one stuck. With jobs shared by nodes, only a job whose queue entry was lost is queued again: another
   * live node may be running the others, and a dead node's are taken over when their lease runs out.
   */
  async recover(sharedJobs = false): Promise<void> {
    const jobs = this.deps.store.modelPackagingJobs;
    for (const job of await jobs.withStatus(['CREATED', 'RUNNING'])) {
      if (sharedJobs) await this.enqueue(job);
      else if (job.attempts < MAX_ATTEMPTS) {
        if (await jobs.transition(job.projectName, job.jobName, [job.status], { status: 'CREATED', attempts: job.attempts + 1 })) this.enqueue(job);
      } else {
        await jobs.transition(job.projectName, job.jobName, [job.status], {
          status: 'FAILED',
          statusMessage: 'The packaging job was interrupted by restarts twice; start a new job.',
        });
      }
    }
  }

  /** With jobs shared by nodes: queues again every waiting or running packaging job whose queue row was lost. Run periodically. */
  async requeueLost(): Promise<void> {
    for (const job of await this.deps.store.modelPackagingJobs.withStatus(['CREATED', 'RUNNING'])) await this.enqueue(job);
  }

  private async enqueue(job: ModelPackagingJobRecord): Promise<void> {
    await this.deps.jobs.submit('package', `${job.projectName}/${job.jobName}`, { projectName: job.projectName, jobName: job.jobName } satisfies PackagingPayload);
  }

  private async run({ projectName, jobName }: PackagingPayload, context: JobContext): Promise<void> {
    const jobs = this.deps.store.modelPackagingJobs;
    const job = await jobs.get(projectName, jobName);
    if (!job || (job.status !== 'CREATED' && job.status !== 'RUNNING')) return; // finished by an earlier attempt, or gone
    if (context.attempt > MAX_ATTEMPTS) {
      await context.finish(async () => {
        await jobs.transition(projectName, jobName, ['CREATED', 'RUNNING'], {
          status: 'FAILED',
          statusMessage: 'The packaging job was interrupted twice (the node that ran it stopped); start a new job.',
        });
      });
      return;
    }
    // A job taken over from a node that stopped is RUNNING already; its files are written again whole.
    const from: ModelPackagingJobRecord['status'][] = context.attempt > 1 ? ['CREATED', 'RUNNING'] : ['CREATED'];
    if (!(await jobs.transition(projectName, jobName, from, { status: 'RUNNING' }))) return;
    try {
      const output = await this.writePackage(job);
      await context.finish(async () => {
        await jobs.transition(projectName, jobName, ['RUNNING'], { status: 'SUCCEEDED', statusMessage: 'The model package was written.', output });
      });
    } catch (error) {
      if (context.signal.aborted) return; // left for the next start or another node
      const message = error instanceof PackagingFailure ? error.message : `The model package could not be written: ${(error as Error).message}`;
      await context.finish(async () => {
        await jobs.transition(projectName, jobName, ['RUNNING'], { status: 'FAILED', statusMessage: message });
      });
    }
  }

  /** Writes recipe, archive, manifest and key file; rewriting them after an interruption replaces them all. */
  private async writePackage(job: ModelPackagingJobRecord): Promise<ModelPackagingOutput> {
    const config = job.configuration;
    const platform = config.TargetPlatform;
    if (config.TargetDevice !== undefined) {
      throw new PackagingFailure(
        `TargetDevice ${config.TargetDevice} (NVIDIA Jetson) is not supported: Vigil runs models on CPUs. Use TargetPlatform {"Os":"LINUX","Arch":"X86_64" or "ARM64"} without Accelerator.`,
      );
    }
    if (!platform || platform.Accelerator !== undefined) {
      throw new PackagingFailure(`Accelerator ${platform?.Accelerator} is not supported: Vigil runs models on CPUs. Omit Accelerator to package for the CPU.`);
    }
    const model = await this.deps.store.models.get(job.projectName, job.modelVersion);
    if (!model?.artifactBlob || !PACKAGEABLE.includes(model.status)) {
      throw new PackagingFailure(`Model ${job.modelVersion} of project ${job.projectName} is no longer a trained model.`);
    }
    const artifact = await this.deps.blobs.getBuffer(model.artifactBlob, { 'vigil:model': model.arn });
    const tags = (await this.deps.store.models.tagsOf(model.projectName, model.version)) ?? [];
    const backbone = backboneInfo();
    const manifest: PackageManifest = {
      format: 'vigil-model-package',
      formatVersion: 1,
      componentName: job.componentName,
      componentVersion: job.componentVersion,
      componentDescription: config.ComponentDescription,
      modelArn: model.arn,
      projectName: model.projectName,
      modelVersion: model.version,
      jobName: job.jobName,
      createdAt: new Date().toISOString(),
      backbone: { id: backbone.id, weightHash: backbone.weightHash },
      image: { width: model.imageWidth ?? 0, height: model.imageHeight ?? 0 },
      falseAlarmRate: falseAlarmRateTarget(tags),
      target: { os: 'linux', arch: GREENGRASS_ARCH[platform.Arch] ?? platform.Arch },
      model: { bytes: artifact.length, encryption: 'AES-256-GCM, package key' },
    };
    const key = newPackageKey();
    const archive = sealArchive(artifact, manifest, key);
    const { Bucket: bucket, Prefix: prefix = '' } = config.S3OutputLocation;
    const base = `${prefix}${job.componentName}/${job.componentVersion}/`;
    const keys = {
      recipeKey: `${base}${PACKAGE_FILES.recipe}`,
      archiveKey: `${base}${PACKAGE_FILES.archive}`,
      manifestKey: `${base}${PACKAGE_FILES.manifest}`,
      packageKeyKey: `${base}${PACKAGE_FILES.key}`,
    };
    const recipe = {
      RecipeFormatVersion: '2020-01-25',
      ComponentName: job.componentName,
      ComponentVersion: job.componentVersion,
      ComponentDescription: config.ComponentDescription ?? `Lookout for Vision model ${model.arn}, packaged by Vigil`,
      ComponentPublisher: 'Vigil',
      Tags: Object.fromEntries((config.Tags ?? []).map((t) => [t.Key, t.Value])),
      ComponentConfiguration: { DefaultConfiguration: { ModelArn: model.arn, Backbone: manifest.backbone } },
      Manifests: [
        {
          Platform: { os: 'linux', architecture: manifest.target.arch },
          Lifecycle: { Run: 'vigil edge serve' },
          Artifacts: [{ Uri: `s3://${bucket}/${keys.archiveKey}`, Digest: recipeDigest(archive), Algorithm: 'SHA-256', Unarchive: 'NONE', Permission: { Read: 'OWNER', Execute: 'NONE' } }],
        },
      ],
    };
    // Sealed in the bucket under the model's key when it has a customer-managed one, as its evaluation files are.
    const sse = model.kmsKeyId === this.deps.kms.defaultKeyId ? undefined : { algorithm: 'aws:kms' as const, kmsKeyId: model.kmsKeyId };
    const put = (objectKey: string, body: Buffer | string) => this.deps.buckets.putObject({ bucket, key: objectKey, body: Readable.from([Buffer.from(body)]), sse });
    await put(keys.packageKeyKey, packageKeyFile(key, manifest));
    key.fill(0);
    await put(keys.archiveKey, archive);
    await put(keys.manifestKey, `${JSON.stringify(manifest, null, 2)}\n`);
    await put(keys.recipeKey, `${JSON.stringify(recipe, null, 2)}\n`);
    const { region, accountId } = this.deps.installation;
    return {
      componentVersionArn: `arn:aws:greengrass:${region}:${accountId}:components:${job.componentName}:versions:${job.componentVersion}`,
      componentName: job.componentName,
      componentVersion: job.componentVersion,
      ...keys,
    };
  }
}

/** A reason the job failed, written for the person who reads its StatusMessage. */
class PackagingFailure extends Error {}

function generatedJobName(model: ModelRecord): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${model.projectName.replace(/_/g, '-').slice(0, 24)}-${model.version}-${stamp}-${randomBytes(3).toString('hex')}`.replace(/^-+/, '');
}

/**
 * The rules that tie the members of Configuration.Greengrass together: exactly one of TargetDevice and
 * TargetPlatform, no CompilerOptions with TargetDevice, the CompilerOptions of the target. Returns the
 * configuration with only its documented members.
 */
function checkedConfiguration(c: GreengrassRequest): GreengrassRequest {
  if ((c.TargetDevice === undefined) === (c.TargetPlatform === undefined)) {
    throw new ValidationError('Configuration.Greengrass needs exactly one of TargetDevice and TargetPlatform.');
  }
  if (c.TargetDevice !== undefined && c.CompilerOptions !== undefined) throw new ValidationError('CompilerOptions may not be given with TargetDevice.');
  const platform = c.TargetPlatform && { Os: c.TargetPlatform.Os, Arch: c.TargetPlatform.Arch, ...(c.TargetPlatform.Accelerator !== undefined ? { Accelerator: c.TargetPlatform.Accelerator } : {}) };
  const compilerOptions = platform ? checkCompilerOptions(c.CompilerOptions, platform.Accelerator === 'NVIDIA') : undefined;
  const { Bucket, Prefix } = c.S3OutputLocation;
  return {
    ...(compilerOptions !== undefined ? { CompilerOptions: compilerOptions } : {}),
    ...(c.TargetDevice !== undefined ? { TargetDevice: c.TargetDevice } : {}),
    ...(platform !== undefined ? { TargetPlatform: platform } : {}),
    S3OutputLocation: { Bucket, ...(Prefix !== undefined ? { Prefix } : {}) },
    ComponentName: c.ComponentName,
    ...(c.ComponentVersion !== undefined ? { ComponentVersion: c.ComponentVersion } : {}),
    ...(c.ComponentDescription !== undefined ? { ComponentDescription: c.ComponentDescription } : {}),
    ...(c.Tags !== undefined ? { Tags: c.Tags.map(({ Key, Value }) => ({ Key, Value })) } : {}),
  };
}

/**
 * CompilerOptions: a JSON object inside a string (its length checked by the schema). NVIDIA targets need gpu-code (sm_NN),
 * trt-ver (x.y.z) and cuda-ver (x.y); CPU targets may give mcpu (a string) and mattr (a list of strings).
 */
function checkCompilerOptions(value: string | undefined, nvidia: boolean): string | undefined {
  if (value === undefined) {
    if (nvidia) throw new ValidationError('CompilerOptions is required with Accelerator NVIDIA: {"gpu-code", "trt-ver", "cuda-ver"}.');
    return undefined;
  }
  let options: unknown;
  try {
    options = JSON.parse(value);
  } catch {
    throw new ValidationError('CompilerOptions is not valid JSON.');
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ValidationError('CompilerOptions must be a JSON object.');
  const o = options as Record<string, unknown>;
  if (nvidia) {
    for (const key of Object.keys(o))
      if (!['gpu-code', 'trt-ver', 'cuda-ver'].includes(key)) throw new ValidationError(`CompilerOptions ${key} is not an NVIDIA option (gpu-code, trt-ver, cuda-ver).`);
    if (typeof o['gpu-code'] !== 'string' || !/^sm_\d{2,3}$/.test(o['gpu-code'])) throw new ValidationError('CompilerOptions gpu-code is required with Accelerator NVIDIA, e.g. "sm_75".');
    if (typeof o['trt-ver'] !== 'string' || !/^\d+\.\d+\.\d+$/.test(o['trt-ver'])) throw new ValidationError('CompilerOptions trt-ver is required with Accelerator NVIDIA, as x.y.z, e.g. "7.1.3".');
    if (typeof o['cuda-ver'] !== 'string' || !/^\d+\.\d+$/.test(o['cuda-ver'])) throw new ValidationError('CompilerOptions cuda-ver is required with Accelerator NVIDIA, as x.y, e.g. "10.2".');
  } else {
    for (const key of Object.keys(o)) if (key !== 'mcpu' && key !== 'mattr') throw new ValidationError(`CompilerOptions ${key} is not a CPU option (mcpu, mattr).`);
    if (o.mcpu !== undefined && typeof o.mcpu !== 'string') throw new ValidationError('CompilerOptions mcpu must be a string, e.g. "core-avx2".');
    if (o.mattr !== undefined && !(Array.isArray(o.mattr) && o.mattr.every((a) => typeof a === 'string'))) {
      throw new ValidationError('CompilerOptions mattr must be a list of strings, e.g. ["+neon"].');
    }
  }
  return value;
}
