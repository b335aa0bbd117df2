import { ServiceError } from './errors.js';

/**
 * Failures of the bucket and object use cases, named by the S3 error code that the S3 adapter
 * answers with (it maps each code to its HTTP status). Other callers (dataset import) can switch on `code`.
 */
export type BucketErrorCode =
  | 'AccessDenied'
  | 'BadDigest'
  | 'BadRequest'
  | 'BucketAlreadyOwnedByYou'
  | 'BucketNotEmpty'
  | 'EntityTooLarge'
  | 'EntityTooSmall'
  | 'IncompleteBody'
  | 'InternalError'
  | 'InvalidArgument'
  | 'InvalidBucketName'
  | 'InvalidDigest'
  | 'InvalidEncryptionAlgorithmError'
  | 'InvalidPart'
  | 'InvalidPartOrder'
  | 'InvalidRange'
  | 'InvalidRequest'
  | 'InvalidTag'
  | 'KeyTooLongError'
  | 'KMS.DisabledException'
  | 'KMS.KMSInvalidStateException'
  | 'KMS.NotFoundException'
  | 'MalformedXML'
  | 'MethodNotAllowed'
  | 'NoSuchBucket'
  | 'NoSuchBucketPolicy'
  | 'NoSuchKey'
  | 'NoSuchLifecycleConfiguration'
  | 'NoSuchUpload'
  | 'NoSuchVersion'
  | 'NotImplemented'
  | 'PreconditionFailed'
  | 'ServerSideEncryptionConfigurationNotFoundError'
  | 'ServiceUnavailable'
  | 'XAmzContentSHA256Mismatch';

export class BucketError extends ServiceError {
  override readonly name = 'BucketError';
  constructor(
    readonly code: BucketErrorCode,
    message: string,
    /** The bucket or object the error is about, for the wire's <Resource>. */
    readonly resource?: { bucket?: string; key?: string },
    /** Extra members of the S3 error document (e.g. ActualObjectSize for InvalidRange). */
    readonly details?: Record<string, string>,
  ) {
    super(message);
  }
}

/**
 * A read that met a delete marker: NoSuchKey (404) when it was the key's latest version, MethodNotAllowed (405)
 * when the request named it; S3 answers either with x-amz-delete-marker, the marker's version id and its time.
 */
export class DeleteMarkerError extends BucketError {
  constructor(
    code: 'NoSuchKey' | 'MethodNotAllowed',
    resource: { bucket: string; key: string },
    readonly marker: { versionId: string; lastModified: Date },
  ) {
    super(
      code,
      code === 'NoSuchKey' ? 'The specified key does not exist.' : 'The specified method is not allowed against this resource.',
      resource,
      code === 'MethodNotAllowed' ? { Method: 'GET', ResourceType: 'DeleteMarker' } : undefined,
    );
  }
}

export function noSuchBucket(bucket: string): BucketError {
  return new BucketError('NoSuchBucket', 'The specified bucket does not exist.', { bucket });
}

export function noSuchVersion(bucket: string, key: string): BucketError {
  return new BucketError('NoSuchVersion', 'The specified version does not exist.', { bucket, key });
}
