import type { Readable } from 'node:stream';

/**
 * Where dataset images and manifests are read from: the S3 buckets Vigil serves. Errors name what
 * was missing in a sentence a person can act on.
 */
export interface ObjectSource {
  getObject(bucket: string, key: string, options?: { versionId?: string }): Promise<{ body: Readable; size: number }>;
}

/** An s3://bucket/key reference from a manifest. */
export interface S3Ref {
  bucket: string;
  key: string;
}

export function parseS3Uri(uri: unknown): S3Ref | undefined {
  if (typeof uri !== 'string') return undefined;
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return match ? { bucket: match[1], key: match[2] } : undefined;
}
