import { BucketError } from './bucketErrors.js';

/** Bucket names that the server's own APIs use as their first path segment. */
const RESERVED_BUCKET_NAMES = new Set(['2020-11-20']);
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}(\.\d{1,3}){3}$/;
export const MAX_KEY_BYTES = 1024;

/** S3's general-purpose bucket naming rules, and the names Vigil keeps for its other APIs. */
export function assertBucketName(name: string): void {
  const invalid = (why: string) => new BucketError('InvalidBucketName', `The specified bucket is not valid: ${why}`, { bucket: name });
  if (!BUCKET_NAME.test(name)) {
    throw invalid('names are 3-63 characters of lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.');
  }
  if (name.includes('..') || name.includes('.-') || name.includes('-.')) throw invalid('adjacent periods, or a period next to a hyphen.');
  if (IP_ADDRESS.test(name)) throw invalid('a name must not be formatted as an IP address.');
  if (name.startsWith('xn--') || name.startsWith('sthree-') || name.endsWith('-s3alias') || name.endsWith('--ol-s3')) throw invalid('reserved prefix or suffix.');
  if (RESERVED_BUCKET_NAMES.has(name)) throw invalid(`${name} is the path of another API on this server.`);
}

/** Object keys are 1..1024 bytes of UTF-8. */
export function assertObjectKey(key: string): void {
  if (key.length === 0) throw new BucketError('InvalidArgument', 'An object key must not be empty.');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new BucketError('KeyTooLongError', 'Your key is too long: at most 1024 bytes of UTF-8.', { key });
  if (key.includes('\u0000')) throw new BucketError('InvalidArgument', 'An object key must not contain NUL.', { key });
}
