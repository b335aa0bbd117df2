import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { rejects } from '../../helpers/rejects.js';
import { bucketBlobFiles, errorCode, s3Client, sendS3 } from '../../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../../helpers/vigil.js';

const BUCKET = 'customer-keys';
/** Raw 32-byte keys (the SDK sends them base64 with their MD5). */
const KEY = 'customer-key-0123456789abcdefghi';
const OTHER_KEY = 'another-key-0123456789abcdefghij';
const ssec = (key: string) => ({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: key });
const rawHeaders = (key: Buffer, md5 = createHash('md5').update(key).digest('base64')) => ({
  'x-amz-server-side-encryption-customer-algorithm': 'AES256',
  'x-amz-server-side-encryption-customer-key': key.toString('base64'),
  'x-amz-server-side-encryption-customer-key-md5': md5,
});

/** SSE-C with the real @aws-sdk/client-s3: reads need the key the object was written with; the key is never stored. */
describe('S3 SSE-C (customer-provided keys) with @aws-sdk/client-s3', () => {
  let vigil: TestVigil;
  let s3: S3Client;

  before(async () => {
    vigil = await startTestVigil();
    s3 = s3Client(vigil);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  after(() => vigil.stop());

  test('GET and HEAD need the key: none is 400, another is 403; the key is in no file', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'secret', Body: 'customer data', ...ssec(KEY) }));
    assert.equal(put.SSECustomerAlgorithm, 'AES256');
    assert.equal(put.SSECustomerKeyMD5, createHash('md5').update(KEY).digest('base64'));
    assert.equal(put.ServerSideEncryption, undefined);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'secret', ...ssec(KEY) }));
    assert.equal(await got.Body!.transformToString(), 'customer data');
    assert.equal(got.SSECustomerKeyMD5, put.SSECustomerKeyMD5);
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'secret', ...ssec(KEY) }))).ContentLength, 'customer data'.length);
    const ranged = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'secret', Range: 'bytes=0-7', ...ssec(KEY) }));
    assert.equal(await ranged.Body!.transformToString(), 'customer');
    await rejects(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'secret' })), 'InvalidRequest', 400);
    await rejects(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'secret', ...ssec(OTHER_KEY) })), 'AccessDenied', 403);
    assert.equal((await sendS3(vigil, { method: 'HEAD', path: `/${BUCKET}/secret` })).status, 400);
    assert.equal((await sendS3(vigil, { method: 'HEAD', path: `/${BUCKET}/secret`, headers: rawHeaders(Buffer.from(OTHER_KEY)) })).status, 403);
    // A key on an object written without one is refused too.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'plain', Body: 'plain' }));
    await rejects(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'plain', ...ssec(KEY) })), 'InvalidRequest', 400);
    // Never stored: not in the metadata database, nor (in clear or base64) in any blob.
    const files = [join(vigil.dataDir, 'metadata.db'), ...(await bucketBlobFiles(vigil))];
    for (const path of files) {
      const bytes = await readFile(path).catch(() => Buffer.alloc(0));
      for (const form of [KEY, Buffer.from(KEY).toString('base64')]) assert.ok(!bytes.includes(form), `${form} in ${path}`);
    }
  });

  test('bad SSE-C headers are refused with S3 codes and store nothing', async () => {
    const key = Buffer.from(KEY);
    const cases: [Record<string, string>, string][] = [
      [rawHeaders(key, createHash('md5').update('other').digest('base64')), 'InvalidArgument'],
      [rawHeaders(Buffer.alloc(16, 1)), 'InvalidArgument'],
      [{ ...rawHeaders(key), 'x-amz-server-side-encryption-customer-algorithm': 'AES128' }, 'InvalidEncryptionAlgorithmError'],
      [{ 'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key': key.toString('base64') }, 'InvalidArgument'],
      [{ 'x-amz-server-side-encryption-customer-algorithm': 'AES256' }, 'InvalidArgument'],
      [{ 'x-amz-server-side-encryption-customer-key': key.toString('base64') }, 'InvalidArgument'],
      [{ ...rawHeaders(key), 'x-amz-server-side-encryption': 'AES256' }, 'InvalidArgument'],
    ];
    for (const [headers, code] of cases) {
      const response = await sendS3(vigil, { method: 'PUT', path: `/${BUCKET}/refused`, headers, body: 'x' });
      assert.equal(response.status, 400, JSON.stringify(headers));
      assert.equal(errorCode(response), code, JSON.stringify(headers));
    }
    assert.equal((await sendS3(vigil, { method: 'HEAD', path: `/${BUCKET}/refused` })).status, 404);
  });

  test('multipart parts need the upload key; a copy needs the source key and may take a new one', async () => {
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp', ...ssec(KEY) }));
    await rejects(s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'mp', UploadId: upload.UploadId, PartNumber: 1, Body: 'part' })), 'InvalidRequest', 400);
    await rejects(s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'mp', UploadId: upload.UploadId, PartNumber: 1, Body: 'part', ...ssec(OTHER_KEY) })), 'AccessDenied', 403);
    const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'mp', UploadId: upload.UploadId, PartNumber: 1, Body: 'part', ...ssec(KEY) }));
    // Joining the parts opens them, so Complete needs the key too: none is 400, another 403, and the upload stays.
    const complete = { Bucket: BUCKET, Key: 'mp', UploadId: upload.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } };
    await rejects(s3.send(new CompleteMultipartUploadCommand(complete)), 'InvalidRequest', 400);
    await rejects(s3.send(new CompleteMultipartUploadCommand({ ...complete, ...ssec(OTHER_KEY) })), 'AccessDenied', 403);
    await s3.send(new CompleteMultipartUploadCommand({ ...complete, ...ssec(KEY) }));
    await rejects(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'mp' })), 'InvalidRequest', 400);
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'mp', ...ssec(KEY) }))).Body!.transformToString(), 'part');

    await rejects(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy', CopySource: `${BUCKET}/mp` })), 'InvalidRequest', 400);
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy', CopySource: `${BUCKET}/mp`, CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: KEY, ...ssec(OTHER_KEY) }));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'copy', ...ssec(OTHER_KEY) }))).Body!.transformToString(), 'part');
    await rejects(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'copy', ...ssec(KEY) })), 'AccessDenied', 403);
  });
});
