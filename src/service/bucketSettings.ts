import type { BucketRecord, SseAlgorithm, VersioningStatus } from '../store/bucketRecords.js';
import type { LifecycleRule } from '../store/lifecycleRecords.js';
import type { MetadataStore } from '../store/metadataStore.js';
import { BucketError, noSuchBucket } from './bucketErrors.js';
import { type LifecycleRuleInput, lifecycleRulesOf } from './lifecycleConfiguration.js';
import { type KeyDirectory, type SseRequest, usableKeyArn } from './objectEncryption.js';

/**
 * A bucket's own settings, apart from its objects: default encryption (PutBucketEncryption and friends) and
 * versioning (PutBucketVersioning), lifecycle rules (PutBucketLifecycleConfiguration; the LifecycleSweeper applies
 * them). Encryption and versioning apply to later writes; no object is rewritten.
 */
export class BucketSettings {
  constructor(
    private readonly store: MetadataStore,
    private readonly keys: KeyDirectory,
  ) {}

  /** Sets the bucket's default encryption; an aws:kms key id must name an enabled key. */
  async putBucketEncryption(name: string, encryption: SseRequest): Promise<void> {
    await this.bucket(name);
    let kmsKeyId: string | undefined;
    if (encryption.algorithm === 'AES256') {
      if (encryption.kmsKeyId) throw new BucketError('InvalidArgument', 'KMSMasterKeyID may only be given with aws:kms.');
    } else if (encryption.kmsKeyId !== undefined) {
      kmsKeyId = await usableKeyArn(this.keys, encryption.kmsKeyId);
    }
    if (!(await this.store.buckets.setEncryption(name, { algorithm: encryption.algorithm, kmsKeyId }))) throw noSuchBucket(name);
  }

  /** The bucket's default encryption as reported: its own setting, or aws:kms under the service key. */
  async getBucketEncryption(name: string): Promise<{ algorithm: SseAlgorithm; kmsKeyId?: string }> {
    const bucket = await this.bucket(name);
    if (bucket.encryption) return bucket.encryption;
    return { algorithm: 'aws:kms', kmsKeyId: this.keys.defaultKeyId };
  }

  /** Back to the default: aws:kms under the service key. Objects are sealed either way. */
  async deleteBucketEncryption(name: string): Promise<void> {
    if (!(await this.store.buckets.setEncryption(name, undefined))) throw noSuchBucket(name);
  }

  /** Enables or suspends versioning; a bucket never goes back to unversioned, as on S3. */
  async putBucketVersioning(name: string, status: VersioningStatus): Promise<void> {
    if (!(await this.store.buckets.setVersioning(name, status))) throw noSuchBucket(name);
  }

  /** Replaces the bucket's lifecycle rules after checking them all: a refused document changes nothing. */
  async putBucketLifecycle(name: string, rules: LifecycleRuleInput[]): Promise<void> {
    await this.bucket(name);
    const checked = lifecycleRulesOf(rules);
    if (!(await this.store.buckets.setLifecycle(name, checked))) throw noSuchBucket(name);
  }

  /** The bucket's rules; NoSuchLifecycleConfiguration when it has none. */
  async getBucketLifecycle(name: string): Promise<LifecycleRule[]> {
    const bucket = await this.bucket(name);
    if (!bucket.lifecycle) throw new BucketError('NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist', { bucket: name });
    return bucket.lifecycle;
  }

  /** Removes the rules; succeeds when there were none, as on S3. */
  async deleteBucketLifecycle(name: string): Promise<void> {
    if (!(await this.store.buckets.setLifecycle(name, undefined))) throw noSuchBucket(name);
  }

  private async bucket(name: string): Promise<BucketRecord> {
    const bucket = await this.store.buckets.get(name);
    if (!bucket) throw noSuchBucket(name);
    return bucket;
  }
}
