import type { BucketRepository, MultipartRepository, ObjectRepository } from './bucketRecords.js';
import type { DatasetRepository, IdempotencyRepository } from './datasetRecords.js';
import type { JobRepository } from './jobRecords.js';
import type { ModelPackagingJobRepository } from './modelPackagingRecords.js';
import type { ModelRepository } from './modelRecords.js';
import type { NodeRepository } from './nodeRecords.js';

/**
 * The metadata repository. Every method is atomic on its own; the embedded engine is SQLite,
 * and the methods are async so that a PostgreSQL engine can implement the same interface.
 */
export interface MetadataStore {
  readonly settings: SettingsRepository;
  readonly kmsKeys: KmsKeyRepository;
  readonly accessKeys: AccessKeyRepository;
  readonly projects: ProjectRepository;
  readonly datasets: DatasetRepository;
  readonly idempotency: IdempotencyRepository;
  readonly models: ModelRepository;
  readonly modelPackagingJobs: ModelPackagingJobRepository;
  readonly buckets: BucketRepository;
  readonly objects: ObjectRepository;
  readonly multipartUploads: MultipartRepository;
  /** The job queue shared by nodes: PostgreSQL only; the embedded SQLite default runs its jobs in process. */
  readonly jobs?: JobRepository;
  /** The registry of live nodes sharing the database: PostgreSQL only, like the job queue. */
  readonly nodes?: NodeRepository;
  close(): Promise<void>;
}

/** Installation-wide values: account id, default KMS key id, root key check value. */
export interface SettingsRepository {
  get(name: string): Promise<string | undefined>;
  /** Stores value unless the setting already exists; returns the value that is stored now. */
  putIfAbsent(name: string, value: string): Promise<string>;
}

export type KmsKeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

export interface KmsKeyRecord {
  keyId: string;
  arn: string;
  description: string;
  keyManager: 'AWS' | 'CUSTOMER';
  state: KmsKeyState;
  createdAt: Date;
  /** When a PendingDeletion key's material is destroyed. */
  deletionDate?: Date;
  currentVersion: number;
  /** Automatic rotation: its period, and when it next happens; absent when off. */
  rotationPeriodDays?: number;
  nextRotation?: Date;
}

export interface KmsKeyVersionRecord {
  keyId: string;
  version: number;
  /** Key material sealed under the root key; never stored in the clear. */
  sealedMaterial: Buffer;
  createdAt: Date;
}

export interface KmsKeyRepository {
  /** Creates a key with its first version (version 1). */
  create(key: Omit<KmsKeyRecord, 'currentVersion'>, firstVersion: Omit<KmsKeyVersionRecord, 'keyId' | 'version'>): Promise<void>;
  get(keyId: string): Promise<KmsKeyRecord | undefined>;
  getVersion(keyId: string, version: number): Promise<KmsKeyVersionRecord | undefined>;
  /** Adds the next version and makes it current; older versions stay for decryption. Returns the new version number. */
  addVersion(keyId: string, version: Omit<KmsKeyVersionRecord, 'keyId' | 'version'>): Promise<number>;
  /** Sets the state (and deletion date); with `from`, only while the key is in one of those states. Returns whether it changed. */
  setState(keyId: string, state: KmsKeyState, deletionDate?: Date, from?: readonly KmsKeyState[]): Promise<boolean>;
  /**
   * Destroys every version's material and the key record: crypto-shredding. With `dueBy`, only a key
   * still PendingDeletion whose deletion date is at or before it. Returns whether a key was destroyed.
   */
  destroy(keyId: string, dueBy?: Date): Promise<boolean>;
  /** Keys in PendingDeletion whose deletion date has passed. */
  dueForDeletion(now: Date): Promise<string[]>;
  /** Keys managed by `keyManager`, ordered by id, after `after` (an id from a previous page). */
  list(keyManager: KmsKeyRecord['keyManager'], limit: number, after?: string): Promise<Page<KmsKeyRecord>>;
  /** Adds an alias; false when the name is taken (nothing changed). */
  createAlias(aliasName: string, keyId: string, createdAt: Date): Promise<boolean>;
  /** Removes an alias; false when there was none. */
  deleteAlias(aliasName: string): Promise<boolean>;
  /** Points an existing alias at another key; false when there is no such alias. */
  updateAlias(aliasName: string, keyId: string): Promise<boolean>;
  /** Turns automatic rotation on (a period and the next date) or off (both undefined). */
  setRotation(keyId: string, periodDays?: number, nextRotation?: Date): Promise<void>;
  /** Enabled keys whose next automatic rotation is due. */
  dueForRotation(now: Date): Promise<string[]>;
  /** A key's tags in key order. */
  tagsOf(keyId: string): Promise<{ key: string; value: string }[]>;
  /** Replaces a key's tags. */
  setTags(keyId: string, tags: { key: string; value: string }[]): Promise<void>;
  /** The key an alias names. */
  aliasTarget(aliasName: string): Promise<string | undefined>;
  /** Aliases ordered by name (of one key when keyId is given), after `after`. */
  listAliases(limit: number, after?: string, keyId?: string): Promise<Page<{ aliasName: string; keyId: string; createdAt: Date }>>;
}

export interface AccessKeyRecord {
  accessKeyId: string;
  /** The secret access key sealed under the root key. */
  sealedSecret: Buffer;
  description: string;
  createdAt: Date;
  status: 'Active' | 'Inactive';
}

export interface AccessKeyRepository {
  create(key: AccessKeyRecord): Promise<void>;
  get(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  list(): Promise<AccessKeyRecord[]>;
}

export interface ProjectRecord {
  name: string;
  arn: string;
  createdAt: Date;
  /** The size every image of the project has, fixed by its first images (LFV's rule). */
  imageWidth?: number;
  imageHeight?: number;
}

export interface Page<T> {
  items: T[];
  /** Opaque position after the last item, present only when more items follow. */
  next?: string;
}

export interface ProjectRepository {
  /** Inserts a project; false when the name is taken (nothing changed). */
  create(record: ProjectRecord): Promise<boolean>;
  get(name: string): Promise<ProjectRecord | undefined>;
  /** Projects ordered by name, starting after `after` (a name from a previous page). */
  list(limit: number, after?: string): Promise<Page<ProjectRecord>>;
  /** Deletes a project that has no datasets (and no models); says why not otherwise. */
  deleteIfEmpty(name: string): Promise<'deleted' | 'notFound' | 'notEmpty'>;
  /** Binds the project to an image size unless it already has one; returns the size it has now. */
  bindImageSize(name: string, width: number, height: number): Promise<{ width: number; height: number }>;
  /** Frees the image size once no dataset of the project holds images. */
  releaseImageSizeIfUnused(name: string): Promise<void>;
}
