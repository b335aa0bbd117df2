import type { Kms } from '../crypto/kms.js';
import { KmsError } from '../crypto/kmsErrors.js';
import type { BucketRecord, SseAlgorithm } from '../store/bucketRecords.js';
import { BucketError, type BucketErrorCode } from './bucketErrors.js';

/** The key lookups the bucket service needs from the key service. */
export type KeyDirectory = Pick<Kms, 'defaultKeyId' | 'describeKey'>;

/** Encryption requested for one object (x-amz-server-side-encryption and its key id header). */
export interface SseRequest {
  algorithm: SseAlgorithm;
  kmsKeyId?: string;
}

/** What an object is sealed under and how that is reported. */
export interface ResolvedEncryption {
  algorithm: SseAlgorithm;
  /** ARN of the KMS key that seals it. */
  kmsKeyId: string;
}

/** AWS's alias of the S3 service key: here, the service-owned key. */
const S3_SERVICE_KEY_ALIAS = /^(arn:aws:kms:[^:]*:\d{12}:)?alias\/aws\/s3$/;

/**
 * Resolves the key of a new object: the request's own SSE, else the bucket default, else the
 * service key reported as aws:kms. AES256 is sealed under the service key and reported as AES256.
 */
export async function resolveEncryption(keys: KeyDirectory, bucket: BucketRecord, requested?: SseRequest): Promise<ResolvedEncryption> {
  const choice = requested ?? bucket.encryption ?? { algorithm: 'aws:kms' as const };
  if (choice.algorithm === 'AES256') {
    if (requested?.kmsKeyId) throw new BucketError('InvalidArgument', 'A KMS key id may only be given with aws:kms encryption.');
    return { algorithm: 'AES256', kmsKeyId: keys.defaultKeyId };
  }
  // aws:kms without a key id on the object takes the bucket's key when the bucket names one.
  const keyId = choice.kmsKeyId ?? (bucket.encryption?.algorithm === 'aws:kms' ? bucket.encryption.kmsKeyId : undefined);
  return { algorithm: 'aws:kms', kmsKeyId: await usableKeyArn(keys, keyId) };
}

/** alias/aws/s3, or its alias ARN in the service key's own region and account (another's is the KMS's to refuse). */
function isServiceKeyAlias(keyId: string, defaultKeyId: string): boolean {
  const alias = S3_SERVICE_KEY_ALIAS.exec(keyId);
  return alias !== null && (alias[1] === undefined || defaultKeyId.startsWith(alias[1]));
}

/** The ARN of an enabled key; the service key for undefined or alias/aws/s3. */
export async function usableKeyArn(keys: KeyDirectory, keyId: string | undefined): Promise<string> {
  if (keyId === undefined || isServiceKeyAlias(keyId, keys.defaultKeyId)) return keys.defaultKeyId;
  const key = await keys.describeKey(keyId).catch((error: unknown) => {
    throw kmsFailure(error);
  });
  if (key.state === 'Disabled') throw new BucketError('KMS.DisabledException', `The KMS key ${key.arn} is disabled.`);
  if (key.state !== 'Enabled') throw new BucketError('KMS.KMSInvalidStateException', `The KMS key ${key.arn} is ${key.state}.`);
  return key.arn;
}

/**
 * A KMS failure as the bucket error S3 reports for it (KMS.<name> for the key's own state; an unreachable
 * KMS is ServiceUnavailable, refused KMS credentials AccessDenied), message kept; anything else unchanged.
 */
export function kmsFailure(error: unknown): unknown {
  if (!(error instanceof KmsError)) return error;
  const known: Record<string, BucketErrorCode> = {
    NotFoundException: 'KMS.NotFoundException',
    DisabledException: 'KMS.DisabledException',
    KMSInvalidStateException: 'KMS.KMSInvalidStateException',
    DependencyTimeoutException: 'ServiceUnavailable',
    KMSInternalException: 'InternalError',
    AccessDeniedException: 'AccessDenied',
  };
  const code = known[error.name];
  return code ? new BucketError(code, error.message) : error;
}
