/*
 * Table rows as both metadata engines return them, and the records they hold: the engines store the same
 * columns (times as epoch milliseconds, maps as JSON text), so each table's mapping is written once here.
 */
import type { BucketRecord, ChecksumAlgorithm, MultipartUploadRecord, ObjectRecord, ObjectVersion, PartRecord, SseAlgorithm, VersioningStatus } from './bucketRecords.js';
import type { DatasetRecord, DatasetStatus, DatasetType, IdempotencyRecord } from './datasetRecords.js';
import type { LifecycleRule } from './lifecycleRecords.js';
import type { AccessKeyRecord, KmsKeyRecord, KmsKeyState, ProjectRecord } from './metadataStore.js';
import type { ModelPackagingJobRecord, ModelPackagingJobStatus } from './modelPackagingRecords.js';
import type { ModelRecord, ModelStatus } from './modelRecords.js';

/** A row as better-sqlite3 or node-postgres returns it. */
export type Row = Record<string, unknown>;

/** Times are stored as epoch milliseconds. */
export const toDate = (value: unknown): Date => new Date(Number(value));
export const optionalDate = (value: unknown): Date | undefined => (value == null ? undefined : toDate(value));
/** A nullable column's value, undefined for NULL. */
const optional = <T>(value: unknown): T | undefined => (value == null ? undefined : (value as T));

export function accessKeyFromRow(row: Row): AccessKeyRecord {
  return {
    accessKeyId: row.access_key_id as string,
    sealedSecret: row.sealed_secret as Buffer,
    description: row.description as string,
    createdAt: toDate(row.created_at),
    status: row.status as AccessKeyRecord['status'],
  };
}

export function bucketFromRow(row: Row): BucketRecord {
  const algorithm = row.sse_algorithm as SseAlgorithm | null;
  return {
    name: row.name as string,
    createdAt: toDate(row.created_at),
    encryption: algorithm === null ? undefined : { algorithm, kmsKeyId: (row.kms_key_id as string | null) ?? undefined },
    versioning: (row.versioning as VersioningStatus | null) ?? undefined,
    lifecycle: row.lifecycle == null ? undefined : (JSON.parse(row.lifecycle as string) as LifecycleRule[]),
  };
}

export const DATASET_COLUMNS: Record<string, string> = {
  status: 'status',
  statusMessage: 'status_message',
  updatedAt: 'updated_at',
  entriesBlob: 'entries_blob',
  imageBucket: 'image_bucket',
};

export function datasetFromRow(row: Row): DatasetRecord {
  return {
    projectName: row.project_name as string,
    datasetType: row.dataset_type as DatasetType,
    status: row.status as DatasetStatus,
    statusMessage: (row.status_message as string | null) ?? undefined,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    entriesBlob: (row.entries_blob as string | null) ?? undefined,
    stats: {
      total: row.stats_total as number,
      labeled: row.stats_labeled as number,
      normal: row.stats_normal as number,
      anomaly: row.stats_anomaly as number,
    },
    imageBucket: (row.image_bucket as string | null) ?? undefined,
  };
}

export function idempotencyFromRow(row: Row): IdempotencyRecord {
  return {
    scope: row.scope as string,
    token: row.token as string,
    requestHash: row.request_hash as string,
    response: row.response as string,
    createdAt: toDate(row.created_at),
  };
}

export function kmsKeyFromRow(row: Row): KmsKeyRecord {
  return {
    keyId: row.key_id as string,
    arn: row.arn as string,
    description: row.description as string,
    keyManager: row.key_manager as KmsKeyRecord['keyManager'],
    state: row.state as KmsKeyState,
    createdAt: toDate(row.created_at),
    deletionDate: optionalDate(row.deletion_date),
    currentVersion: row.current_version as number,
    rotationPeriodDays: (row.rotation_period_days as number | null) ?? undefined,
    nextRotation: optionalDate(row.next_rotation),
  };
}

export const PACKAGING_JOB_COLUMNS: Record<string, string> = {
  status: 'status',
  statusMessage: 'status_message',
  output: 'output',
  attempts: 'attempts',
  updatedAt: 'updated_at',
};

export function packagingJobFromRow(row: Row): ModelPackagingJobRecord {
  return {
    projectName: row.project_name as string,
    jobName: row.job_name as string,
    modelVersion: row.model_version as number,
    modelArn: row.model_arn as string,
    description: optional(row.description),
    configuration: JSON.parse(row.configuration as string),
    componentName: row.component_name as string,
    componentVersion: row.component_version as string,
    status: row.status as ModelPackagingJobStatus,
    statusMessage: optional(row.status_message),
    output: row.output == null ? undefined : JSON.parse(row.output as string),
    attempts: row.attempts as number,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

export const MODEL_COLUMNS: Record<string, string> = {
  status: 'status',
  statusMessage: 'status_message',
  description: 'description',
  updatedAt: 'updated_at',
  kmsKeyId: 'kms_key_id',
  outputBucket: 'output_bucket',
  outputPrefix: 'output_prefix',
  performance: 'performance',
  artifactBlob: 'artifact_blob',
  evaluationManifest: 'evaluation_manifest',
  evaluationResult: 'evaluation_result',
  evaluationEnd: 'evaluation_end',
  minInferenceUnits: 'min_inference_units',
  maxInferenceUnits: 'max_inference_units',
  trainingAttempts: 'training_attempts',
  imageWidth: 'image_width',
  imageHeight: 'image_height',
};

export function modelFromRow(row: Row): ModelRecord {
  return {
    projectName: row.project_name as string,
    version: row.version as number,
    arn: row.arn as string,
    status: row.status as ModelStatus,
    statusMessage: optional(row.status_message),
    description: optional(row.description),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    kmsKeyId: row.kms_key_id as string,
    outputBucket: row.output_bucket as string,
    outputPrefix: row.output_prefix as string,
    performance: row.performance == null ? undefined : JSON.parse(row.performance as string),
    artifactBlob: optional(row.artifact_blob),
    evaluationManifest: optional(row.evaluation_manifest),
    evaluationResult: optional(row.evaluation_result),
    evaluationEnd: optionalDate(row.evaluation_end),
    minInferenceUnits: optional(row.min_inference_units),
    maxInferenceUnits: optional(row.max_inference_units),
    trainingAttempts: row.training_attempts as number,
    imageWidth: optional(row.image_width),
    imageHeight: optional(row.image_height),
  };
}

export function uploadFromRow(row: Row): MultipartUploadRecord {
  return {
    uploadId: row.upload_id as string,
    bucket: row.bucket as string,
    key: row.key as string,
    createdAt: toDate(row.created_at),
    headers: JSON.parse(row.headers as string),
    metadata: JSON.parse(row.metadata as string),
    sseAlgorithm: row.sse_algorithm as SseAlgorithm,
    kmsKeyId: row.kms_key_id as string,
    checksumAlgorithm: (row.checksum_algorithm as ChecksumAlgorithm | null) ?? undefined,
    tags: JSON.parse(row.tags as string),
    customerKeyHash: (row.customer_key_hash as string | null) ?? undefined,
  };
}

export function partFromRow(row: Row): PartRecord {
  return {
    uploadId: row.upload_id as string,
    partNumber: row.part_number as number,
    blobKey: row.blob_key as string,
    size: row.size as number,
    eTag: row.etag as string,
    checksums: JSON.parse(row.checksums as string),
    lastModified: toDate(row.last_modified),
  };
}

export function objectFromRow(row: Row): ObjectRecord {
  return {
    bucket: row.bucket as string,
    key: row.key as string,
    versionId: row.version_id as string,
    blobKey: row.blob_key as string,
    size: row.size as number,
    eTag: row.etag as string,
    headers: JSON.parse(row.headers as string),
    metadata: JSON.parse(row.metadata as string),
    lastModified: toDate(row.last_modified),
    sseAlgorithm: row.sse_algorithm as SseAlgorithm,
    kmsKeyId: row.kms_key_id as string,
    checksums: JSON.parse(row.checksums as string),
    partCount: (row.part_count as number | null) ?? undefined,
    parts: row.parts == null ? undefined : JSON.parse(row.parts as string),
    tags: JSON.parse(row.tags as string),
    customerKeyHash: (row.customer_key_hash as string | null) ?? undefined,
  };
}

/** A row of bucket_objects as a version: an object or a delete marker (is_latest and delete_marker are 0/1 in SQLite, booleans in PostgreSQL). */
export function versionFromRow(row: Row): ObjectVersion {
  const place = { isLatest: Boolean(row.is_latest), sequence: Number(row.seq) };
  if (row.delete_marker) {
    return { deleteMarker: true, bucket: row.bucket as string, key: row.key as string, versionId: row.version_id as string, lastModified: toDate(row.last_modified), ...place };
  }
  return { deleteMarker: false, ...objectFromRow(row), ...place };
}

/** The columns of a bucket_objects row, in this order, for an INSERT of either engine. */
export const OBJECT_COLUMNS =
  'bucket, key, version_id, seq, is_latest, delete_marker, blob_key, size, etag, headers, metadata, last_modified, sse_algorithm, kms_key_id, checksums, part_count, parts, tags, customer_key_hash';

/** The values of OBJECT_COLUMNS for the latest version of a key (an object, or a delete marker with no blob); flags as the engine stores them. */
export function objectRowValues(
  version: { bucket: string; key: string; versionId: string; lastModified: Date } & Partial<ObjectRecord>,
  sequence: number,
  flag: (value: boolean) => unknown,
): unknown[] {
  const marker = version.blobKey === undefined;
  return [
    version.bucket,
    version.key,
    version.versionId,
    sequence,
    flag(true),
    flag(marker),
    version.blobKey ?? null,
    version.size ?? 0,
    version.eTag ?? '',
    JSON.stringify(version.headers ?? {}),
    JSON.stringify(version.metadata ?? {}),
    version.lastModified.getTime(),
    version.sseAlgorithm ?? null,
    version.kmsKeyId ?? null,
    JSON.stringify(version.checksums ?? {}),
    version.partCount ?? null,
    version.parts === undefined ? null : JSON.stringify(version.parts),
    JSON.stringify(version.tags ?? {}),
    version.customerKeyHash ?? null,
  ];
}

export function projectFromRow(row: Row): ProjectRecord {
  return {
    name: row.name as string,
    arn: row.arn as string,
    createdAt: toDate(row.created_at),
    imageWidth: (row.image_width as number | null) ?? undefined,
    imageHeight: (row.image_height as number | null) ?? undefined,
  };
}
