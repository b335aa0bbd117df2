import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BlobNotFoundError } from '../blob/blobStore.js';
import type { SealedBlobStore } from '../blob/sealedBlobStore.js';
import { type BucketRecord, MissingBucketError, type ObjectChecksums, type ObjectHeaders, type ObjectRecord, type ObjectVersion, type VersionPosition } from '../store/bucketRecords.js';
import type { MetadataStore } from '../store/metadataStore.js';
import { sequenceOfVersionId } from '../store/objectVersions.js';
import { BucketError, DeleteMarkerError, noSuchBucket, noSuchVersion } from './bucketErrors.js';
import { assertBucketName, assertObjectKey } from './bucketNames.js';
import { type ByteRange, resolveRange } from './byteRanges.js';
import { assertCustomerKey, type CustomerKey, customerKeyHash } from './customerKeys.js';
import { newBlobKey, objectContext, startedStream, writeSealed } from './objectBlobs.js';
import { type KeyDirectory, kmsFailure, resolveEncryption, type SseRequest } from './objectEncryption.js';
import { infoOf, type ObjectInfo } from './objectInfo.js';
import { type ListObjectsInput, listObjectPage, type ObjectListing } from './objectListing.js';
import { type ListVersionsInput, listVersionPage, type VersionListing } from './objectVersionListing.js';
import type { WriteCondition } from './writeCondition.js';

export { DEFAULT_CONTENT_TYPE, type ObjectInfo } from './objectInfo.js';

export interface ObjectRead {
  /** The plaintext (of the range, when one was asked), decrypted and authenticated as it streams. */
  body: Readable;
  /** Bytes in body. */
  size: number;
  contentType: string;
  eTag: string;
  info: ObjectInfo;
  /** The bytes of the object that body holds, when a range was asked. */
  range?: { start: number; end: number };
}

export interface PutObjectInput {
  bucket: string;
  key: string;
  body: Readable;
  headers?: ObjectHeaders;
  metadata?: Record<string, string>;
  sse?: SseRequest;
  /**
   * Called once the body has ended cleanly: returns the checksums to store with the object, or
   * throws to refuse it. The object is committed only after it returned.
   */
  checksums?: () => ObjectChecksums;
  condition?: WriteCondition;
  tags?: Record<string, string>;
  /** SSE-C: the key the object is sealed with, which every read must present (never stored). */
  customerKey?: CustomerKey;
}

export interface CopyObjectInput {
  source: { bucket: string; key: string; versionId?: string };
  bucket: string;
  key: string;
  /** COPY (default) keeps the source's headers and metadata; REPLACE takes these. */
  metadataDirective?: 'COPY' | 'REPLACE';
  headers?: ObjectHeaders;
  metadata?: Record<string, string>;
  sse?: SseRequest;
  /** COPY (default) keeps the source's tags; REPLACE takes these. */
  taggingDirective?: 'COPY' | 'REPLACE';
  tags?: Record<string, string>;
  /** SSE-C: the source's key (x-amz-copy-source-server-side-encryption-customer-*) and the copy's. */
  sourceCustomerKey?: CustomerKey;
  customerKey?: CustomerKey;
}

/** The largest single PUT S3 accepts. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

/**
 * Buckets and their objects (the S3 API subset's use cases). Objects are sealed blobs under fresh
 * service-generated keys with encryption context {"aws:s3:arn": "arn:aws:s3:::<bucket>/<key>"};
 * the metadata row is written only after the blob is complete and every check passed, in one
 * transaction that swaps out any previous row, whose blob is deleted afterwards. A crash between
 * that commit and the delete leaves unreachable ciphertext behind, never a row without its blob.
 * A bucket's settings (BucketSettings) and object tags (ObjectTagging) have their own use cases.
 */
export class Buckets {
  constructor(
    private readonly store: MetadataStore,
    private readonly blobs: SealedBlobStore,
    private readonly keys: KeyDirectory,
  ) {}

  // ---- buckets ----

  async createBucket(name: string): Promise<void> {
    assertBucketName(name);
    const created = await this.store.buckets.create({ name, createdAt: new Date() });
    if (!created) {
      throw new BucketError('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', {
        bucket: name,
      });
    }
  }

  async headBucket(name: string): Promise<BucketRecord> {
    return this.bucket(name);
  }

  listBuckets(): Promise<BucketRecord[]> {
    return this.store.buckets.list();
  }

  async deleteBucket(name: string): Promise<void> {
    const outcome = await this.store.buckets.delete(name);
    if (outcome === 'missing') throw noSuchBucket(name);
    if (outcome === 'not-empty') {
      throw new BucketError('BucketNotEmpty', 'The bucket you tried to delete is not empty (objects or multipart uploads remain).', { bucket: name });
    }
  }

  // ---- objects ----

  async putObject(input: PutObjectInput): Promise<ObjectInfo> {
    assertObjectKey(input.key);
    const bucket = await this.bucket(input.bucket);
    const encryption = await resolveEncryption(this.keys, bucket, input.sse);
    await this.assertWriteCondition(input.bucket, input.key, input.condition);
    const blobKey = newBlobKey('objects');
    const written = await this.seal(blobKey, input.body, input.bucket, input.key, encryption.kmsKeyId, input.customerKey?.key);
    let checksums: ObjectChecksums = {};
    try {
      checksums = input.checksums?.() ?? {};
      // Checked again once the body is stored, right before the commit: a write that raced ahead is seen.
      await this.assertWriteCondition(input.bucket, input.key, input.condition);
    } catch (error) {
      await this.blobs.delete(blobKey);
      throw error;
    }
    const record: ObjectRecord = {
      bucket: input.bucket,
      key: input.key,
      versionId: newVersionId(),
      blobKey,
      size: written.size,
      eTag: written.md5.toString('hex'),
      headers: input.headers ?? {},
      metadata: input.metadata ?? {},
      lastModified: new Date(),
      sseAlgorithm: encryption.algorithm,
      kmsKeyId: encryption.kmsKeyId,
      checksums,
      tags: input.tags,
      customerKeyHash: input.customerKey && customerKeyHash(input.customerKey),
    };
    return infoOf(await this.commit(record));
  }

  /**
   * Refuses a conditional write whose condition does not hold: If-None-Match * over an object, If-Match on
   * another ETag (412 PreconditionFailed), If-Match with no object (404 NoSuchKey), as S3 answers them.
   */
  async assertWriteCondition(bucket: string, key: string, condition: WriteCondition | undefined): Promise<void> {
    if (condition?.ifMatch === undefined && condition?.ifNoneMatch === undefined) return;
    const current = await this.store.objects.get(bucket, key);
    const failed = () => new BucketError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { bucket, key });
    if (condition.ifNoneMatch === '*' && current) throw failed();
    if (condition.ifMatch !== undefined) {
      if (!current) throw new BucketError('NoSuchKey', 'The specified key does not exist.', { bucket, key });
      const wanted = condition.ifMatch.split(',').map((tag) => tag.trim().replace(/"/g, ''));
      if (!wanted.includes('*') && !wanted.includes(current.eTag)) throw failed();
    }
  }

  /**
   * Reads an object: the key's current version, or the one versionId names. The body fails (never ends
   * cleanly) if the stored ciphertext was changed.
   */
  async getObject(bucket: string, key: string, options: { versionId?: string; range?: ByteRange; customerKey?: CustomerKey } = {}): Promise<ObjectRead> {
    for (let attempt = 0; ; attempt++) {
      const record = await this.objectRecord(bucket, key, options.versionId);
      const customerKey = assertCustomerKey(record.customerKeyHash, options.customerKey);
      const range = options.range === undefined ? undefined : resolveRange(options.range, record.size);
      const context = objectContext(bucket, key);
      let stream: Readable;
      try {
        // A range reads only the frames that hold it.
        const opened = range === undefined ? this.blobs.get(record.blobKey, context, customerKey) : this.blobs.getRange(record.blobKey, context, range, record.size, customerKey);
        stream = await startedStream(await opened);
      } catch (error) {
        // Overwritten or deleted between reading the row and opening its blob: read the row again.
        if (error instanceof BlobNotFoundError && attempt < 3) continue;
        throw kmsFailure(error);
      }
      const info = infoOf(record);
      if (range === undefined) return { body: stream, size: record.size, contentType: info.contentType, eTag: record.eTag, info };
      return { body: stream, size: range.end - range.start + 1, contentType: info.contentType, eTag: record.eTag, info, range };
    }
  }

  /** That the object (or version) exists, for requests that need no SSE-C key (ACLs, tagging). */
  async existingObject(bucket: string, key: string, versionId?: string): Promise<ObjectInfo> {
    return infoOf(await this.objectRecord(bucket, key, versionId));
  }

  /** An object's record as GET/HEAD report it; an SSE-C object needs its key. */
  async headObject(bucket: string, key: string, versionId?: string, customerKey?: CustomerKey): Promise<ObjectInfo> {
    const record = await this.objectRecord(bucket, key, versionId);
    assertCustomerKey(record.customerKeyHash, customerKey);
    return infoOf(record);
  }

  /**
   * DeleteObject. Without a version id: the object goes when versioning was never enabled, else a delete marker
   * becomes the latest version (as "null", replacing that version, when suspended). With one: that version goes
   * for good, and its blob with its data key. Deleting an absent key or version succeeds, as on S3.
   */
  async deleteObject(bucket: string, key: string, versionId?: string): Promise<{ versionId?: string; deleteMarker: boolean }> {
    await this.bucket(bucket);
    if (versionId !== undefined) {
      const removed = await this.store.objects.deleteVersion(bucket, key, versionId);
      if (removed?.deleteMarker === false) await this.blobs.delete(removed.blobKey);
      return { versionId, deleteMarker: removed?.deleteMarker === true };
    }
    let outcome: Awaited<ReturnType<typeof this.store.objects.delete>>;
    try {
      outcome = await this.store.objects.delete(bucket, key, newVersionId());
    } catch (error) {
      if (error instanceof MissingBucketError) throw noSuchBucket(bucket);
      throw error;
    }
    for (const blobKey of outcome.obsoleteBlobKeys) await this.blobs.delete(blobKey);
    return outcome.deleteMarker ? { versionId: outcome.versionId, deleteMarker: true } : { deleteMarker: false };
  }

  /**
   * Lifecycle expiration of a key's current object (the version of that sequence): removed when versioning was
   * never enabled, else hidden under a new delete marker, as DeleteObject does; its blob and data key are deleted
   * with the version. Nothing happens when the key has another latest version by now. Returns whether it acted.
   */
  async expireCurrentObject(bucket: string, key: string, sequence: number): Promise<boolean> {
    const outcome = await this.store.objects.expireLatest(bucket, key, sequence, newVersionId());
    for (const blobKey of outcome?.obsoleteBlobKeys ?? []) await this.blobs.delete(blobKey);
    return outcome !== undefined;
  }

  /**
   * Lifecycle removal of one version (noncurrent, or an expired delete marker) for good, with its blob and data
   * key, only while it is still the version looked at (same sequence, still (not) the latest). Returns whether it acted.
   */
  async expireVersion(bucket: string, key: string, versionId: string, expected: { sequence: number; isLatest: boolean }): Promise<boolean> {
    const removed = await this.store.objects.deleteVersion(bucket, key, versionId, expected);
    if (removed?.deleteMarker === false) await this.blobs.delete(removed.blobKey);
    return removed !== undefined;
  }

  /** DeleteObjects: each key deleted on its own; per-key failures are reported, not thrown. */
  async deleteObjects(bucket: string, keys: { key: string; versionId?: string }[]): Promise<{ key: string; versionId?: string; deleteMarker?: { versionId?: string }; error?: BucketError }[]> {
    await this.bucket(bucket);
    const results: { key: string; versionId?: string; deleteMarker?: { versionId?: string }; error?: BucketError }[] = [];
    for (const entry of keys) {
      try {
        assertObjectKey(entry.key);
        const outcome = await this.deleteObject(bucket, entry.key, entry.versionId);
        results.push({ key: entry.key, versionId: entry.versionId, deleteMarker: outcome.deleteMarker ? { versionId: outcome.versionId } : undefined });
      } catch (error) {
        if (!(error instanceof BucketError)) throw error;
        results.push({ key: entry.key, versionId: entry.versionId, error });
      }
    }
    return results;
  }

  async listObjects(bucket: string, input: ListObjectsInput): Promise<ObjectListing> {
    await this.bucket(bucket);
    if (!Number.isInteger(input.maxKeys) || input.maxKeys < 0) throw new BucketError('InvalidArgument', 'max-keys must be a non-negative integer.');
    return listObjectPage(this.store.objects, bucket, { ...input, maxKeys: Math.min(input.maxKeys, 1000) });
  }

  /** ListObjectVersions: every version and delete marker, by key, newest first; markers as on ListObjects. */
  async listObjectVersions(bucket: string, input: ListVersionsInput): Promise<VersionListing> {
    await this.bucket(bucket);
    return listVersionPage(this.store.objects, bucket, { ...input, maxKeys: Math.min(input.maxKeys, 1000) });
  }

  /**
   * Where a listing of versions resumes after (key, version id), also when that version was deleted meanwhile
   * (its id holds its sequence; after a deleted "null" version, at the next key). InvalidArgument for an id that
   * is no version id.
   */
  async versionPosition(bucket: string, key: string, versionId: string): Promise<VersionPosition> {
    const version = await this.store.objects.getVersion(bucket, key, versionId);
    if (version) return { key, sequence: version.sequence };
    if (versionId === 'null') return { key };
    const sequence = sequenceOfVersionId(versionId);
    if (sequence === undefined) throw new BucketError('InvalidArgument', 'Invalid version id specified');
    return { key, sequence };
  }

  /** Copies by decrypting the source and sealing a new object under the destination's own context and key. */
  async copyObject(input: CopyObjectInput): Promise<ObjectInfo> {
    assertObjectKey(input.key);
    await this.bucket(input.bucket);
    const source = await this.getObject(input.source.bucket, input.source.key, { versionId: input.source.versionId, customerKey: input.sourceCustomerKey });
    const sameObject = input.source.bucket === input.bucket && input.source.key === input.key;
    // Copying an older version onto its own key is how S3 restores it; copying the current one changes nothing.
    if (sameObject && input.source.versionId === undefined && input.metadataDirective !== 'REPLACE' && input.sse === undefined) {
      source.body.destroy();
      throw new BucketError(
        'InvalidRequest',
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    const replace = input.metadataDirective === 'REPLACE';
    try {
      return await this.putObject({
        bucket: input.bucket,
        key: input.key,
        body: source.body,
        headers: replace ? input.headers : source.info.headers,
        metadata: replace ? input.metadata : source.info.metadata,
        sse: input.sse,
        tags: input.taggingDirective === 'REPLACE' ? input.tags : source.info.tags,
        customerKey: input.customerKey,
        checksums: () => source.info.checksums,
      });
    } finally {
      source.body.destroy(); // released even when the copy failed before reading it
    }
  }

  /**
   * Deletes blobs of bucket data that no row points at: what a crash between writing a blob and
   * committing its row (or between a commit and deleting the replaced blob) leaves behind. Only
   * safe while no bucket write is in flight: call it at startup, before the server listens.
   */
  async removeUnreferencedBlobs(): Promise<number> {
    let removed = 0;
    for await (const blobKey of this.blobs.list('buckets/')) {
      if (await this.store.objects.referencesBlob(blobKey)) continue;
      if (await this.store.multipartUploads.referencesBlob(blobKey)) continue;
      await this.blobs.delete(blobKey);
      removed++;
    }
    return removed;
  }

  // ---- shared with multipart uploads ----

  /** The bucket, or NoSuchBucket. */
  async bucket(name: string): Promise<BucketRecord> {
    const bucket = await this.store.buckets.get(name);
    if (!bucket) throw noSuchBucket(name);
    return bucket;
  }

  /** Seals a body into a fresh blob of the given key; with an SSE-C key, one that opens only with that key too. */
  async seal(blobKey: string, body: Readable, bucket: string, key: string, kmsKeyId: string, customerKey?: Buffer): Promise<{ size: number; md5: Buffer }> {
    try {
      return await writeSealed(this.blobs, blobKey, body, { keyId: kmsKeyId, context: objectContext(bucket, key), customerKey });
    } catch (error) {
      throw kmsFailure(error);
    }
  }

  /**
   * Adds the row as the key's latest version, then deletes the blob of the version it replaced (an unversioned
   * or suspended bucket's "null" one); a vanished bucket deletes the new blob. Returns the record with its version id.
   */
  private async commit(record: ObjectRecord): Promise<ObjectRecord> {
    let written: { versionId: string; obsoleteBlobKeys: string[] };
    try {
      written = await this.store.objects.put(record);
    } catch (error) {
      await this.blobs.delete(record.blobKey);
      if (error instanceof MissingBucketError) throw noSuchBucket(record.bucket);
      throw error;
    }
    for (const blobKey of written.obsoleteBlobKeys) await this.blobs.delete(blobKey);
    return { ...record, versionId: written.versionId };
  }

  /** The key's current object or the named version; NoSuchKey, NoSuchVersion, or a DeleteMarkerError for a delete marker. */
  private async objectRecord(bucket: string, key: string, versionId: string | undefined): Promise<ObjectRecord> {
    const version: ObjectVersion | undefined = versionId === undefined ? await this.store.objects.latest(bucket, key) : await this.store.objects.getVersion(bucket, key, versionId);
    if (!version) {
      await this.bucket(bucket);
      if (versionId !== undefined) throw noSuchVersion(bucket, key);
      throw new BucketError('NoSuchKey', 'The specified key does not exist.', { bucket, key });
    }
    if (version.deleteMarker) throw new DeleteMarkerError(versionId === undefined ? 'NoSuchKey' : 'MethodNotAllowed', { bucket, key }, version);
    const { deleteMarker: _marker, isLatest: _latest, sequence: _sequence, ...record } = version;
    return record;
  }
}

/** The random part of a new version id (the store puts the version's sequence before it): 32 URL-safe characters in all, as long as S3's. */
export function newVersionId(): string {
  return randomBytes(18).toString('base64url');
}
