/** Records of model versions. */

export type ModelStatus = 'TRAINING' | 'TRAINED' | 'TRAINING_FAILED' | 'STARTING_HOSTING' | 'HOSTED' | 'HOSTING_FAILED' | 'STOPPING_HOSTING' | 'SYSTEM_UPDATING' | 'DELETING';

export interface ModelPerformance {
  f1Score: number;
  recall: number;
  precision: number;
}

export interface ModelRecord {
  projectName: string;
  version: number;
  arn: string;
  status: ModelStatus;
  statusMessage?: string;
  description?: string;
  createdAt: Date;
  updatedAt: Date;
  /** ARN of the KMS key the model's artifact is sealed under. */
  kmsKeyId: string;
  outputBucket: string;
  outputPrefix: string;
  performance?: ModelPerformance;
  artifactBlob?: string;
  evaluationManifest?: string;
  evaluationResult?: string;
  evaluationEnd?: Date;
  minInferenceUnits?: number;
  maxInferenceUnits?: number;
  trainingAttempts: number;
  /** The size of the images it was trained on: DetectAnomalies takes only that size. */
  imageWidth?: number;
  imageHeight?: number;
}

export interface ModelTag {
  key: string;
  value: string;
}

export type ModelChanges = Partial<Omit<ModelRecord, 'projectName' | 'version' | 'arn' | 'createdAt'>> & { status: ModelStatus };

export interface ModelRepository {
  /** Adds the project's next model version (numbers are never reused) with its tags; returns the record. */
  create(record: Omit<ModelRecord, 'version' | 'arn'>, arnOf: (version: number) => string, tags: ModelTag[]): Promise<ModelRecord>;
  get(projectName: string, version: number): Promise<ModelRecord | undefined>;
  /** The highest version of a project. */
  latest(projectName: string): Promise<ModelRecord | undefined>;
  /** Versions newest first, after `beforeVersion` (a version from a previous page). */
  list(projectName: string, limit: number, beforeVersion?: number): Promise<{ items: ModelRecord[]; next?: number }>;
  /** Changes a model only while it is in one of `from`; returns whether it was. */
  transition(projectName: string, version: number, from: readonly ModelStatus[], to: ModelChanges): Promise<boolean>;
  /** Deletes a model (and its tags) only while it is in one of `from`; returns whether it was. */
  delete(projectName: string, version: number, from: readonly ModelStatus[]): Promise<boolean>;
  /** Models in any of these statuses, across projects. */
  withStatus(statuses: readonly ModelStatus[]): Promise<ModelRecord[]>;
  /** The model's tags in key order, or undefined when the model does not exist. */
  tagsOf(projectName: string, version: number): Promise<ModelTag[] | undefined>;
  /** Replaces the model's tags; false when the model does not exist (nothing changed). */
  setTags(projectName: string, version: number, tags: ModelTag[]): Promise<boolean>;
}
