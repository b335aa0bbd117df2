import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { open, readSealedHeader } from '../../../src/crypto/sealedObject.js';
import { objectContext } from '../../../src/service/objectBlobs.js';
import { rejects } from '../../helpers/rejects.js';
import { filesUnder, s3Client } from '../../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../../helpers/vigil.js';

const BUCKET = 'sealed-by-customer';
/** Raw 32-byte keys (the SDK sends them base64 with their MD5). */
const KEY = 'sealing-key-0123456789abcdefghij';
const OTHER_KEY = 'other-sealing-key-0123456789abcd';
const ssec = (key: string) => ({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: key });
const copySource = (key: string) => ({ CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: key });
/** Several 64 KiB frames, so ranges cross frame boundaries. */
const BODY = randomBytes(200_000);
const MIB = 1024 * 1024;

/**
 * SSE-C where the customer key takes part in the encryption: the stored bytes open only with the KMS data key
 * and the client's key together; every read path (range, part, copy, versions, attributes) passes the key on.
 */
describe('S3 SSE-C: objects sealed with the customer key', () => {
  let vigil: TestVigil;
  let s3: S3Client;

  /** The blob of an object's current (or given) version. */
  async function blobKeyOf(key: string, versionId?: string): Promise<string> {
    const version = versionId === undefined ? await vigil.store.objects.latest(BUCKET, key) : await vigil.store.objects.getVersion(BUCKET, key, versionId);
    assert.ok(version && !version.deleteMarker);
    return version.blobKey;
  }

  /** The sealed bytes of an object's current (or given) version, as the blob store holds them. */
  async function storedBytes(key: string, versionId?: string): Promise<Buffer> {
    return readFile(join(vigil.dataDir, 'blobs', 'objects', ...(await blobKeyOf(key, versionId)).split('/')));
  }

  async function read(key: string, options: { customerKey?: string; range?: string; partNumber?: number; versionId?: string } = {}): Promise<Buffer> {
    const got = await s3.send(
      new GetObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Range: options.range,
        PartNumber: options.partNumber,
        VersionId: options.versionId,
        ...(options.customerKey ? ssec(options.customerKey) : {}),
      }),
    );
    return Buffer.from(await got.Body!.transformToByteArray());
  }

  before(async () => {
    vigil = await startTestVigil();
    s3 = s3Client(vigil);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  after(() => vigil.stop());

  test('the KMS alone cannot open the stored bytes: only with the customer key do they open', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'secret', Body: BODY, ...ssec(KEY) }));
    const sealed = await storedBytes('secret');
    const header = readSealedHeader(sealed);
    // The header names the KMS key and context, as every sealed object's does, and marks the customer key.
    assert.equal(header.keyId, vigil.kms.defaultKeyId);
    assert.equal(header.context?.['vigil:customer-key'], 'AES256');
    // Right KMS key and context, but no customer key or another one: the key commitment fails before any frame.
    await assert.rejects(open(vigil.kms, sealed, header.context!), /key commitment mismatch/);
    await assert.rejects(open(vigil.kms, sealed, header.context!, Buffer.from(OTHER_KEY)), /key commitment mismatch/);
    assert.ok((await open(vigil.kms, sealed, header.context!, Buffer.from(KEY))).equals(BODY));
    // The blob store's own read without the key fails too (its context lacks the customer-key mark).
    await assert.rejects(vigil.blobs.getBuffer(await blobKeyOf('secret'), objectContext(BUCKET, 'secret')), /context mismatch/);
    // Through S3: the whole object and ranges across frames with the key; a wrong key is 403, no key 400.
    assert.ok((await read('secret', { customerKey: KEY })).equals(BODY));
    assert.ok((await read('secret', { customerKey: KEY, range: 'bytes=65530-131080' })).equals(BODY.subarray(65530, 131081)));
    assert.ok((await read('secret', { customerKey: KEY, range: 'bytes=-10' })).equals(BODY.subarray(-10)));
    await rejects(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'secret', Range: 'bytes=0-9', ...ssec(OTHER_KEY) })), 'AccessDenied', 403);
    await assert.rejects(
      s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'secret', ...ssec(OTHER_KEY) })),
      (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode === 403,
    );
    await rejects(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'secret' })), 'InvalidRequest', 400);
  });

  test('multipart: parts sealed with the key, joined with it; part-number GET, attributes and UploadPartCopy', async () => {
    const first = randomBytes(5 * MIB);
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'parts', ...ssec(KEY) }));
    const one = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'parts', UploadId: upload.UploadId, PartNumber: 1, Body: first, ...ssec(KEY) }));
    // Part 2 copied from an SSE-C object (a range of it): the source's key to read, the upload's to seal.
    const two = await s3.send(
      new UploadPartCopyCommand({
        Bucket: BUCKET,
        Key: 'parts',
        UploadId: upload.UploadId,
        PartNumber: 2,
        CopySource: `${BUCKET}/secret`,
        CopySourceRange: 'bytes=100-70099',
        ...copySource(KEY),
        ...ssec(KEY),
      }),
    );
    // A part's stored bytes open only with the key as well.
    const [part] = await vigil.store.multipartUploads.listParts(upload.UploadId!, 0, 1);
    const partBytes = await readFile(join(vigil.dataDir, 'blobs', 'objects', ...part.blobKey.split('/')));
    await assert.rejects(open(vigil.kms, partBytes, readSealedHeader(partBytes).context!), /key commitment mismatch/);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'parts',
        UploadId: upload.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: one.ETag },
            { PartNumber: 2, ETag: two.CopyPartResult!.ETag },
          ],
        },
        ...ssec(KEY),
      }),
    );
    const whole = Buffer.concat([first, BODY.subarray(100, 70100)]);
    const sealed = await storedBytes('parts');
    await assert.rejects(open(vigil.kms, sealed, readSealedHeader(sealed).context!), /key commitment mismatch/);
    assert.ok((await read('parts', { customerKey: KEY })).equals(whole));
    assert.ok((await read('parts', { customerKey: KEY, partNumber: 2 })).equals(BODY.subarray(100, 70100)));
    assert.ok((await read('parts', { customerKey: KEY, range: `bytes=${5 * MIB - 5}-${5 * MIB + 4}` })).equals(whole.subarray(5 * MIB - 5, 5 * MIB + 5)));
    await rejects(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'parts', PartNumber: 1, ...ssec(OTHER_KEY) })), 'AccessDenied', 403);
    const attributes = await s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'parts', ObjectAttributes: ['ObjectParts', 'ObjectSize'], ...ssec(KEY) }));
    assert.equal(attributes.ObjectSize, whole.length);
    assert.equal(attributes.ObjectParts?.TotalPartsCount, 2);
    await rejects(s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'parts', ObjectAttributes: ['ObjectSize'], ...ssec(OTHER_KEY) })), 'AccessDenied', 403);
  });

  test('copies between SSE-C and other objects re-seal under the destination key; the source key opens the source only', async () => {
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'to-plain', CopySource: `${BUCKET}/secret`, ...copySource(KEY) }));
    assert.ok((await read('to-plain')).equals(BODY));
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'to-other', CopySource: `${BUCKET}/to-plain`, ...ssec(OTHER_KEY) }));
    assert.ok((await read('to-other', { customerKey: OTHER_KEY })).equals(BODY));
    await rejects(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'refused', CopySource: `${BUCKET}/to-other`, ...copySource(KEY) })), 'AccessDenied', 403);
    await rejects(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'refused' })), 'NotFound', 404);
    // In place with a new key (key rotation by the client): the old key no longer opens it.
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'to-other', CopySource: `${BUCKET}/to-other`, ...copySource(OTHER_KEY), ...ssec(KEY), MetadataDirective: 'REPLACE' }));
    assert.ok((await read('to-other', { customerKey: KEY })).equals(BODY));
    await rejects(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'to-other', ...ssec(OTHER_KEY) })), 'AccessDenied', 403);
  });

  test('versions each keep their own key; deleting a version deletes its sealed bytes', async () => {
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    const v1 = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'versioned', Body: 'first', ...ssec(KEY) }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'versioned', Body: 'second', ...ssec(OTHER_KEY) }));
    assert.equal((await read('versioned', { customerKey: KEY, versionId: v1.VersionId })).toString(), 'first');
    assert.equal((await read('versioned', { customerKey: OTHER_KEY })).toString(), 'second');
    await rejects(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'versioned', VersionId: v1.VersionId, ...ssec(OTHER_KEY) })), 'AccessDenied', 403);
    const sealed = await storedBytes('versioned', v1.VersionId);
    await assert.rejects(open(vigil.kms, sealed, readSealedHeader(sealed).context!), /key commitment mismatch/);
    const blobKey = await blobKeyOf('versioned', v1.VersionId);
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'versioned', VersionId: v1.VersionId }));
    assert.equal(await vigil.blobs.exists(blobKey), false);
    assert.equal((await read('versioned', { customerKey: OTHER_KEY, versionId: v2.VersionId })).toString(), 'second');
  });

  test('a rotated KMS key rewraps an SSE-C object without its customer key, which still opens it', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'rewrapped', Body: BODY, ...ssec(KEY) }));
    // SSE-C objects are sealed under the service key (the outer envelope); rewrapping needs no customer key.
    await vigil.kms.rotateKey(vigil.kms.defaultKeyId);
    const blobKey = await blobKeyOf('rewrapped');
    const before = readSealedHeader(await storedBytes('rewrapped')).wrappedDataKey;
    assert.equal(await vigil.blobs.rewrap(blobKey, vigil.kms.defaultKeyId), 'rewrapped');
    assert.notDeepEqual(readSealedHeader(await storedBytes('rewrapped')).wrappedDataKey, before);
    assert.ok((await read('rewrapped', { customerKey: KEY })).equals(BODY));
  });

  test('objects of the earlier format (KMS-sealed, key checked by HMAC only) still read with their key; a copy writes the new format', async () => {
    // What the earlier release stored: the object sealed under the KMS key alone, and "<salt>:<HMAC of the key>".
    const blobKey = 'buckets/objects/00/legacy-sse-c-object';
    await vigil.blobs.put(blobKey, Buffer.from('written before'), { keyId: vigil.kms.defaultKeyId, context: objectContext(BUCKET, 'legacy') });
    const salt = randomBytes(16);
    await vigil.store.objects.put({
      bucket: BUCKET,
      key: 'legacy',
      versionId: randomBytes(18).toString('base64url'),
      blobKey,
      size: 'written before'.length,
      eTag: createHash('md5').update('written before').digest('hex'),
      headers: {},
      metadata: {},
      lastModified: new Date(),
      sseAlgorithm: 'AES256',
      kmsKeyId: vigil.kms.defaultKeyId,
      checksums: {},
      customerKeyHash: `${salt.toString('base64')}:${createHmac('sha256', salt).update(KEY).digest('base64')}`,
    });
    assert.equal((await read('legacy', { customerKey: KEY })).toString(), 'written before');
    assert.equal((await read('legacy', { customerKey: KEY, range: 'bytes=8-13' })).toString(), 'before');
    await rejects(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'legacy', ...ssec(OTHER_KEY) })), 'AccessDenied', 403);
    await rejects(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'legacy' })), 'InvalidRequest', 400);
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'legacy-copy', CopySource: `${BUCKET}/legacy`, ...copySource(KEY), ...ssec(KEY) }));
    const copied = await storedBytes('legacy-copy');
    await assert.rejects(open(vigil.kms, copied, readSealedHeader(copied).context!), /key commitment mismatch/);
    assert.equal((await read('legacy-copy', { customerKey: KEY })).toString(), 'written before');
  });

  test('no customer key, in any form, in any file of the data directory', async () => {
    const forms = [KEY, OTHER_KEY].flatMap((key) => [Buffer.from(key), Buffer.from(Buffer.from(key).toString('base64')), Buffer.from(Buffer.from(key).toString('hex'))]);
    const files = await filesUnder(vigil.dataDir);
    assert.ok(files.some((path) => path.endsWith('metadata.db')));
    for (const path of files) {
      const bytes = await readFile(path);
      for (const form of forms) assert.ok(!bytes.includes(form), `a customer key in ${path}`);
    }
  });
});
