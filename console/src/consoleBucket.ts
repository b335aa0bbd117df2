import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketEncryptionCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  PutBucketEncryptionCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { REGION } from './session';

/**
 * The bucket the console keeps uploaded images, masks and its manifests in, named as Lookout for
 * Vision's console named its own (lookoutvision-<region>-<random>), so it is found again on the
 * next sign-in by listing the buckets.
 */
export const CONSOLE_BUCKET_PREFIX = `lookoutvision-${REGION}-`;

export async function findConsoleBucket(s3: S3Client): Promise<string | undefined> {
  const { Buckets } = await s3.send(new ListBucketsCommand({}));
  return (Buckets ?? [])
    .map((b) => b.Name ?? '')
    .filter((name) => name.startsWith(CONSOLE_BUCKET_PREFIX))
    .sort()[0];
}

/** A new bucket name with 10 random lower-case letters and digits. */
export function newConsoleBucketName(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const random = crypto.getRandomValues(new Uint8Array(10));
  return CONSOLE_BUCKET_PREFIX + [...random].map((b) => alphabet[b % alphabet.length]).join('');
}

/**
 * Creates the console bucket as Lookout for Vision's first-run set-up did: default encryption
 * SSE-KMS under the account's default key, every public access blocked. A bucket left half set up
 * is deleted again, so the next sign-in offers the set-up once more.
 */
export async function createConsoleBucket(s3: S3Client, name = newConsoleBucketName()): Promise<string> {
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  try {
    await s3.send(new PutBucketEncryptionCommand({ Bucket: name, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } }));
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: name,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      }),
    );
  } catch (error) {
    await s3.send(new DeleteBucketCommand({ Bucket: name })).catch(() => undefined);
    throw error;
  }
  return name;
}

/** What the set-up page shows of an existing console bucket. */
export interface ConsoleBucketSettings {
  encryption: string;
  publicAccessBlocked: boolean;
}

export async function consoleBucketSettings(s3: S3Client, name: string): Promise<ConsoleBucketSettings> {
  const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: name }));
  const byDefault = encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
  const block = (await s3.send(new GetPublicAccessBlockCommand({ Bucket: name }))).PublicAccessBlockConfiguration;
  return {
    encryption: byDefault?.SSEAlgorithm === 'aws:kms' ? `SSE-KMS (${byDefault.KMSMasterKeyID ?? 'default key'})` : (byDefault?.SSEAlgorithm ?? 'none'),
    publicAccessBlocked: Boolean(block?.BlockPublicAcls && block.IgnorePublicAcls && block.BlockPublicPolicy && block.RestrictPublicBuckets),
  };
}
