import type { ObjectChecksums, ObjectHeaders, ObjectRecord, SseAlgorithm } from '../store/bucketRecords.js';

export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

/** What GET/HEAD report about an object. */
export interface ObjectInfo {
  bucket: string;
  key: string;
  size: number;
  /** Without quotes. */
  eTag: string;
  contentType: string;
  headers: ObjectHeaders;
  metadata: Record<string, string>;
  lastModified: Date;
  sseAlgorithm: SseAlgorithm;
  kmsKeyId: string;
  checksums: ObjectChecksums;
  partCount?: number;
}

export function infoOf(record: ObjectRecord): ObjectInfo {
  return {
    bucket: record.bucket,
    key: record.key,
    size: record.size,
    eTag: record.eTag,
    contentType: record.headers.contentType ?? DEFAULT_CONTENT_TYPE,
    headers: record.headers,
    metadata: record.metadata,
    lastModified: record.lastModified,
    sseAlgorithm: record.sseAlgorithm,
    kmsKeyId: record.kmsKeyId,
    checksums: record.checksums,
    partCount: record.partCount,
  };
}

