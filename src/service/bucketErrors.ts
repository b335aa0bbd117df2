import { ServiceError } from './errors.js';

/**
 * Failures of the bucket and object use cases, named by the S3 error code that the S3 adapter
 * answers with (it maps each code to its HTTP status). Other callers (dataset import) can switch on `code`.
 */
export type BucketErrorCode =
  | 'AccessDenied'
  | 'BadDigest'
  | 'BucketAlreadyOwnedByYou'
  | 'BucketNotEmpty'
  | 'EntityTooLarge'
  | 'EntityTooSmall'
  | 'IncompleteBody'
  | 'InternalError'
  | 'InvalidArgument'
  | 'InvalidBucketName'
  | 'InvalidDigest'
  | 'InvalidPart'
  | 'InvalidPartOrder'
  | 'InvalidRange'
  | 'InvalidRequest'
  | 'KeyTooLongError'
  | 'KMS.DisabledException'
  | 'KMS.KMSInvalidStateException'
  | 'KMS.NotFoundException'
  | 'MalformedXML'
  | 'NoSuchBucket'
  | 'NoSuchBucketPolicy'
  | 'NoSuchKey'
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
