import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { SealedBlobStore } from '../blob/sealedBlobStore.js';
import {
  type BucketRecord,
  type ChecksumAlgorithm,
  MissingBucketError,
  MissingUploadError,
  type MultipartUploadRecord,
  type ObjectChecksums,
  type ObjectHeaders,
  type ObjectRecord,
  type PartRecord,
} from '../store/bucketRecords.js';
import type { MetadataStore } from '../store/metadataStore.js';
import { BucketError } from './bucketErrors.js';
import { assertObjectKey } from './bucketNames.js';
import { assertCustomerKey, type CustomerKey, customerKeyHash, isSealedWithCustomerKey } from './customerKeys.js';
import { concatenatedBlobs, newBlobKey, objectContext } from './objectBlobs.js';
import { type Checksummer, type ChecksumType, checksumTypeOf, compositeChecksum, createChecksummer } from './objectChecksums.js';
import { type KeyDirectory, resolveEncryption, type SseRequest } from './objectEncryption.js';
import { infoOf, type ObjectInfo } from './objectInfo.js';
import type { WriteCondition } from './writeCondition.js';

/** Every part but the last must be at least 5 MiB, as on S3. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PART_NUMBER = 10_000;
export const MAX_PART_BYTES = 5 * 1024 ** 3;

export interface UploadPartInput {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
  body: Readable;
  /** As for PutObject: called after the body ended, returns the part's verified checksums or throws. */
  checksums?: () => ObjectChecksums;
  /** SSE-C: the upload's key, with every part. */
  customerKey?: CustomerKey;
}

/**
 * What uploads need of the buckets service (Buckets provides it; the composition root passes it in, so
 * neither module imports the other).
 */
export interface UploadBuckets {
  /** The bucket, or NoSuchBucket. */
  bucket(name: string): Promise<BucketRecord>;
  /** Seals a body into a fresh blob under the object's encryption context. */
  seal(blobKey: string, body: Readable, bucket: string, key: string, kmsKeyId: string, customerKey?: Buffer): Promise<{ size: number; md5: Buffer }>;
  /** An object's plaintext, or the bytes first..last of it (UploadPartCopy's source). */
  getObject(
    bucket: string,
    key: string,
    options: { versionId?: string; range?: { first: number; last: number }; customerKey?: CustomerKey },
  ): Promise<{ body: Readable; info: ObjectInfo; range?: { end: number } }>;
  /** Refuses a conditional write whose condition does not hold. */
  assertWriteCondition(bucket: string, key: string, condition: WriteCondition | undefined): Promise<void>;
}

/**
 * Multipart uploads: each part a sealed blob of its own (same encryption context as the final
 * object); Complete streams the parts, in order, into one new sealed object, commits it in the
 * same transaction that drops the upload, and then deletes the part blobs.
 */
export class MultipartUploads {
  constructor(
    private readonly store: MetadataStore,
    private readonly blobs: SealedBlobStore,
    private readonly keys: KeyDirectory,
    private readonly buckets: UploadBuckets,
  ) {}

  async create(input: {
    bucket: string;
    key: string;
    headers?: ObjectHeaders;
    metadata?: Record<string, string>;
    sse?: SseRequest;
    checksumAlgorithm?: ChecksumAlgorithm;
    tags?: Record<string, string>;
    customerKey?: CustomerKey;
  }): Promise<MultipartUploadRecord> {
    assertObjectKey(input.key);
    const bucket = await this.buckets.bucket(input.bucket);
    const encryption = await resolveEncryption(this.keys, bucket, input.sse);
    const upload: MultipartUploadRecord = {
      uploadId: randomBytes(24).toString('base64url'),
      bucket: input.bucket,
      key: input.key,
      createdAt: new Date(),
      headers: input.headers ?? {},
      metadata: input.metadata ?? {},
      sseAlgorithm: encryption.algorithm,
      kmsKeyId: encryption.kmsKeyId,
      checksumAlgorithm: input.checksumAlgorithm,
      tags: input.tags,
      customerKeyHash: input.customerKey && customerKeyHash(input.customerKey),
    };
    try {
      await this.store.multipartUploads.create(upload);
    } catch (error) {
      if (error instanceof MissingBucketError) await this.buckets.bucket(input.bucket);
      throw error;
    }
    return upload;
  }

  async uploadPart(input: UploadPartInput): Promise<PartRecord & { upload: MultipartUploadRecord }> {
    if (!Number.isInteger(input.partNumber) || input.partNumber < 1 || input.partNumber > MAX_PART_NUMBER) {
      throw new BucketError('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive.`);
    }
    const upload = await this.upload(input.bucket, input.key, input.uploadId);
    const customerKey = assertCustomerKey(upload.customerKeyHash, input.customerKey);
    const blobKey = newBlobKey('parts');
    const written = await this.buckets.seal(blobKey, input.body, upload.bucket, upload.key, upload.kmsKeyId, customerKey);
    const part: PartRecord = {
      uploadId: upload.uploadId,
      partNumber: input.partNumber,
      blobKey,
      size: written.size,
      eTag: written.md5.toString('hex'),
      checksums: {},
      lastModified: new Date(),
    };
    let replacedBlobKey: string | undefined;
    try {
      part.checksums = input.checksums?.() ?? {};
      ({ replacedBlobKey } = await this.store.multipartUploads.putPart(part));
    } catch (error) {
      await this.blobs.delete(blobKey);
      if (error instanceof MissingUploadError) throw noSuchUpload(input.uploadId);
      throw error;
    }
    if (replacedBlobKey !== undefined) await this.blobs.delete(replacedBlobKey);
    return { ...part, upload };
  }

  /**
   * UploadPartCopy: a part made of an existing object, or of the byte range first..last of it
   * (which must lie inside the object), decrypted and sealed again under the upload's key.
   */
  async uploadPartCopy(
    input: Omit<UploadPartInput, 'body' | 'checksums'> & {
      source: { bucket: string; key: string; versionId?: string };
      range?: { first: number; last: number };
      sourceCustomerKey?: CustomerKey;
    },
  ): Promise<PartRecord & { upload: MultipartUploadRecord }> {
    const upload = await this.upload(input.bucket, input.key, input.uploadId);
    assertCustomerKey(upload.customerKeyHash, input.customerKey);
    const read = await this.buckets.getObject(input.source.bucket, input.source.key, { versionId: input.source.versionId, range: input.range, customerKey: input.sourceCustomerKey });
    try {
      if (input.range && read.range?.end !== input.range.last) {
        throw new BucketError('InvalidArgument', `Range specified is not valid for source object of size: ${read.info.size}`);
      }
      return await this.uploadPart({ ...input, body: read.body });
    } finally {
      read.body.destroy();
    }
  }

  /** The bucket's uploads in progress. */
  async listUploads(bucket: string): Promise<MultipartUploadRecord[]> {
    await this.buckets.bucket(bucket);
    return this.store.multipartUploads.listUploads(bucket);
  }

  async listParts(
    bucket: string,
    key: string,
    uploadId: string,
    options: { maxParts?: number; partNumberMarker?: number } = {},
  ): Promise<{ upload: MultipartUploadRecord; parts: PartRecord[]; isTruncated: boolean; nextPartNumberMarker?: number }> {
    const upload = await this.upload(bucket, key, uploadId);
    const maxParts = Math.min(options.maxParts ?? 1000, 1000);
    const parts = await this.store.multipartUploads.listParts(uploadId, options.partNumberMarker ?? 0, maxParts + 1);
    const isTruncated = parts.length > maxParts;
    const page = parts.slice(0, maxParts);
    return { upload, parts: page, isTruncated, nextPartNumberMarker: isTruncated ? page[page.length - 1].partNumber : undefined };
  }

  async abort(bucket: string, key: string, uploadId: string): Promise<void> {
    await this.upload(bucket, key, uploadId);
    const blobKeys = await this.store.multipartUploads.delete(uploadId);
    if (blobKeys === undefined) throw noSuchUpload(uploadId);
    for (const blobKey of blobKeys) await this.blobs.delete(blobKey);
  }

  /**
   * Completes an upload from the client's list of (part number, ETag): ascending numbers
   * (InvalidPartOrder), each an uploaded part with that ETag (InvalidPart), every part but the
   * last at least 5 MiB (EntityTooSmall). ETag: MD5 of the parts' MD5s, "-<count>".
   */
  async complete(
    bucket: string,
    key: string,
    uploadId: string,
    listed: { partNumber: number; eTag: string; checksums?: ObjectChecksums }[],
    options: { checksum?: ExpectedChecksum; condition?: WriteCondition; customerKey?: CustomerKey } = {},
  ): Promise<ObjectInfo> {
    const requested = lastOfEachPartNumber(listed);
    const upload = await this.upload(bucket, key, uploadId).catch(async (error) => {
      // Completing again what was just completed answers the object again, as S3 does.
      const again = error instanceof BucketError && error.code === 'NoSuchUpload' ? await this.completedBefore(bucket, key, requested) : undefined;
      if (again) return again;
      throw error;
    });
    if ('blobKey' in upload) return infoOf(upload);
    // Joining the parts of an upload sealed with a customer key opens them, so it needs that key (S3 takes it here too).
    if (isSealedWithCustomerKey(upload.customerKeyHash) && !options.customerKey) {
      throw new BucketError('InvalidRequest', 'The multipart upload was started with a customer-provided key (SSE-C): CompleteMultipartUpload must carry the same key to join its parts.');
    }
    const customerKey = options.customerKey ? assertCustomerKey(upload.customerKeyHash, options.customerKey) : undefined;
    await this.buckets.assertWriteCondition(bucket, key, options.condition);
    if (requested.length === 0) throw new BucketError('MalformedXML', 'The XML you provided was not well-formed or did not validate: it lists no parts.');
    const stored = new Map<number, PartRecord>();
    for (let after = 0; ; ) {
      const page = await this.store.multipartUploads.listParts(uploadId, after, 1000);
      for (const part of page) stored.set(part.partNumber, part);
      if (page.length < 1000) break;
      after = page[page.length - 1].partNumber;
    }
    const parts: PartRecord[] = [];
    for (const [index, wanted] of requested.entries()) {
      if (index > 0 && wanted.partNumber <= requested[index - 1].partNumber) {
        throw new BucketError('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.');
      }
      const part = stored.get(wanted.partNumber);
      // A checksum the client lists for a part must be the one verified when the part was uploaded.
      const checksumMismatch = Object.entries(wanted.checksums ?? {}).some(
        ([algorithm, value]) => part?.checksums[algorithm as keyof ObjectChecksums] !== undefined && part.checksums[algorithm as keyof ObjectChecksums] !== value,
      );
      if (!part || part.eTag !== wanted.eTag.replace(/"/g, '') || checksumMismatch) {
        throw new BucketError(
          'InvalidPart',
          "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified ETag may not match the part's ETag.",
          { bucket, key },
          { PartNumber: String(wanted.partNumber), ETag: wanted.eTag },
        );
      }
      parts.push(part);
    }
    for (const part of parts.slice(0, -1)) {
      if (part.size < MIN_PART_BYTES) {
        throw new BucketError(
          'EntityTooSmall',
          'Your proposed upload is smaller than the minimum allowed object size: every part but the last must be at least 5 MiB.',
          {
            bucket,
            key,
          },
          { PartNumber: String(part.partNumber), ProposedSize: String(part.size), MinSizeAllowed: String(MIN_PART_BYTES) },
        );
      }
    }

    const checksum = objectChecksumPlan(upload.checksumAlgorithm, options.checksum ?? {}, parts);
    const blobKey = newBlobKey('objects');
    const context = objectContext(bucket, key);
    const concatenated = concatenatedBlobs(
      this.blobs,
      parts.map((p) => p.blobKey),
      context,
      customerKey,
    );
    const fullObject = checksum?.type === 'FULL_OBJECT' ? createChecksummer(checksum.algorithm) : undefined;
    const body = fullObject ? Readable.from(checksummed(concatenated, fullObject)) : concatenated;
    const written = await this.buckets.seal(blobKey, body, bucket, key, upload.kmsKeyId, customerKey);
    const checksums: ObjectChecksums = {};
    if (checksum) {
      const value = fullObject ? fullObject.digestBase64() : checksum.composite!;
      if (checksum.expected !== undefined && checksum.expected !== value) {
        await this.blobs.delete(blobKey);
        throw new BucketError('BadDigest', `The ${checksum.algorithm} you specified for the object did not match the calculated checksum.`);
      }
      checksums[checksum.algorithm] = value;
    }
    try {
      // Checked again right before the commit: a write that raced ahead while the parts were joined is seen.
      await this.buckets.assertWriteCondition(bucket, key, options.condition);
    } catch (error) {
      await this.blobs.delete(blobKey);
      throw error;
    }
    const eTagHash = createHash('md5');
    for (const part of parts) eTagHash.update(Buffer.from(part.eTag, 'hex'));
    const record: ObjectRecord = {
      bucket,
      key,
      versionId: randomBytes(18).toString('base64url'), // the random part of its version id (see Buckets.newVersionId)
      blobKey,
      size: written.size,
      eTag: `${eTagHash.digest('hex')}-${parts.length}`,
      headers: upload.headers,
      metadata: upload.metadata,
      lastModified: new Date(),
      sseAlgorithm: upload.sseAlgorithm,
      kmsKeyId: upload.kmsKeyId,
      checksums,
      partCount: parts.length,
      parts: parts.map((part) => ({ size: part.size, checksums: part.checksums })),
      tags: upload.tags,
      customerKeyHash: upload.customerKeyHash,
    };
    let obsoleteBlobKeys: string[];
    try {
      ({ obsoleteBlobKeys, versionId: record.versionId } = await this.store.multipartUploads.complete(uploadId, record));
    } catch (error) {
      await this.blobs.delete(blobKey);
      if (error instanceof MissingUploadError) throw noSuchUpload(uploadId);
      if (error instanceof MissingBucketError) throw new BucketError('NoSuchBucket', 'The specified bucket does not exist.', { bucket });
      throw error;
    }
    for (const obsolete of obsoleteBlobKeys) await this.blobs.delete(obsolete);
    return infoOf(record);
  }

  /** The object a completion with these parts made, if it is the key's current object. */
  private async completedBefore(bucket: string, key: string, requested: { eTag: string }[]): Promise<ObjectRecord | undefined> {
    const current = await this.store.objects.get(bucket, key);
    if (!current || current.partCount !== requested.length || requested.some((part) => !/^"?[0-9a-f]{32}"?$/.test(part.eTag))) return undefined;
    const eTagHash = createHash('md5');
    for (const part of requested) eTagHash.update(Buffer.from(part.eTag.replace(/"/g, ''), 'hex'));
    return current.eTag === `${eTagHash.digest('hex')}-${requested.length}` ? current : undefined;
  }

  /** The upload, which must belong to this bucket and key; NoSuchBucket / NoSuchUpload otherwise. */
  private async upload(bucket: string, key: string, uploadId: string): Promise<MultipartUploadRecord> {
    const upload = await this.store.multipartUploads.get(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key) {
      await this.buckets.bucket(bucket);
      throw noSuchUpload(uploadId);
    }
    return upload;
  }
}

/**
 * A part number listed twice in a row counts once, with its later entry: a client that sent a part again
 * while the first upload was still running lists both answers, the one that finished last (the part that is
 * stored) last, and S3 completes with it (ceph s3-tests test_multipart_resend_first_finishes_last). A number
 * smaller than the one before stays InvalidPartOrder.
 */
function lastOfEachPartNumber<T extends { partNumber: number }>(requested: T[]): T[] {
  const parts: T[] = [];
  for (const part of requested) {
    if (parts.length > 0 && parts[parts.length - 1].partNumber === part.partNumber) parts[parts.length - 1] = part;
    else parts.push(part);
  }
  return parts;
}

function noSuchUpload(uploadId: string): BucketError {
  return new BucketError('NoSuchUpload', 'The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.', undefined, {
    UploadId: uploadId,
  });
}

/** The object checksum a CompleteMultipartUpload asks for: x-amz-checksum-type and the x-amz-checksum-* value. */
export interface ExpectedChecksum {
  type?: ChecksumType;
  algorithm?: ChecksumAlgorithm;
  value?: string;
}

/**
 * Which checksum the completed object gets (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html):
 * the upload's algorithm (or the one the request names), full-object when asked for it, when the given value has no
 * "-<parts>" or for CRC64NVME, composite otherwise. A composite one needs every part's checksum of that algorithm.
 */
function objectChecksumPlan(
  uploadAlgorithm: ChecksumAlgorithm | undefined,
  expected: ExpectedChecksum,
  parts: PartRecord[],
): { algorithm: ChecksumAlgorithm; type: ChecksumType; expected?: string; composite?: string } | undefined {
  if (uploadAlgorithm !== undefined && expected.algorithm !== undefined && expected.algorithm !== uploadAlgorithm) {
    throw new BucketError('InvalidRequest', `The upload was created using the ${uploadAlgorithm} checksum algorithm; the request names ${expected.algorithm}.`);
  }
  const algorithm = uploadAlgorithm ?? expected.algorithm;
  if (algorithm === undefined) return undefined;
  const type = expected.type ?? (expected.value !== undefined ? checksumTypeOf(expected.value) : algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
  if (type === 'FULL_OBJECT' && (algorithm === 'SHA1' || algorithm === 'SHA256')) {
    throw new BucketError('InvalidRequest', `The FULL_OBJECT checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`);
  }
  if (type === 'COMPOSITE' && algorithm === 'CRC64NVME') throw new BucketError('InvalidRequest', 'The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.');
  if (type === 'FULL_OBJECT') return { algorithm, type, expected: expected.value };
  const partChecksums = parts.map((part) => part.checksums[algorithm]);
  if (partChecksums.some((value) => value === undefined)) {
    throw new BucketError('InvalidRequest', `The upload was created using a ${algorithm.toLowerCase()} checksum. The complete request must include the checksum for each part.`);
  }
  return { algorithm, type, expected: expected.value, composite: compositeChecksum(algorithm, partChecksums as string[]) };
}

/** The stream's bytes, unchanged, each added to the checksum as it passes. */
async function* checksummed(source: Readable, checksummer: Checksummer): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    checksummer.update(chunk as Buffer);
    yield chunk as Buffer;
  }
}
