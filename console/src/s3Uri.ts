/** An S3 object or prefix, as the console reads it from and writes it into s3:// URIs. */
export interface S3Location {
  bucket: string;
  /** The object key, or a prefix (possibly empty). */
  key: string;
}

/** s3://bucket/key (key may be empty for a whole bucket or end with / for a prefix); undefined when malformed. */
export function parseS3Uri(uri: string): S3Location | undefined {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri.trim());
  return match ? { bucket: match[1], key: match[2] ?? '' } : undefined;
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
