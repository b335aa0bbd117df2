/** Records of model packaging jobs (StartModelPackagingJob). */

export type ModelPackagingJobStatus = 'CREATED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** The Greengrass configuration of a job, as validated from the request (wire member names kept). */
export interface GreengrassConfiguration {
  CompilerOptions?: string;
  TargetDevice?: string;
  TargetPlatform?: { Os: string; Arch: string; Accelerator?: string };
  S3OutputLocation: { Bucket: string; Prefix?: string };
  ComponentName: string;
  ComponentVersion: string;
  ComponentDescription?: string;
  Tags?: { Key: string; Value: string }[];
}

/** What a succeeded job wrote. */
export interface ModelPackagingOutput {
  componentVersionArn: string;
  componentName: string;
  componentVersion: string;
  /** Object keys in the output bucket. */
  recipeKey: string;
  archiveKey: string;
  manifestKey: string;
  packageKeyKey: string;
}

export interface ModelPackagingJobRecord {
  projectName: string;
  jobName: string;
  modelVersion: number;
  modelArn: string;
  description?: string;
  configuration: GreengrassConfiguration;
  componentName: string;
  componentVersion: string;
  status: ModelPackagingJobStatus;
  statusMessage?: string;
  output?: ModelPackagingOutput;
  /** Runs started, counting those a restart interrupted. */
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
}

export type ModelPackagingJobChanges = Partial<Pick<ModelPackagingJobRecord, 'statusMessage' | 'output' | 'attempts' | 'updatedAt'>> & { status: ModelPackagingJobStatus };

export interface ModelPackagingJobRepository {
  /** Adds a job; says why not when its name is taken in the project or its component version belongs to a job that has not failed. */
  create(record: ModelPackagingJobRecord): Promise<'created' | 'nameTaken' | 'componentTaken'>;
  get(projectName: string, jobName: string): Promise<ModelPackagingJobRecord | undefined>;
  /** A project's jobs ordered by name, after `after` (a name from a previous page). */
  list(projectName: string, limit: number, after?: string): Promise<{ items: ModelPackagingJobRecord[]; next?: string }>;
  /** Changes a job only while it is in one of `from`; returns whether it was. */
  transition(projectName: string, jobName: string, from: readonly ModelPackagingJobStatus[], to: ModelPackagingJobChanges): Promise<boolean>;
  /** Jobs in any of these statuses, across projects. */
  withStatus(statuses: readonly ModelPackagingJobStatus[]): Promise<ModelPackagingJobRecord[]>;
}
