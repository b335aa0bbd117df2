import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { errorCode, s3Client, sendS3 } from '../../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../../helpers/vigil.js';

const BUCKET = 'parts';
const MiB = 1024 * 1024;

/** A multipart object keeps its part sizes and checksums: GetObject/HeadObject by part number and GetObjectAttributes, through the real @aws-sdk/client-s3. */
describe('S3 object parts and attributes with @aws-sdk/client-s3', () => {
  let vigil: TestVigil;
  let s3: S3Client;
  const parts = [Buffer.alloc(5 * MiB, 'a'), Buffer.alloc(5 * MiB, 'b'), Buffer.from('the last part')];
  let eTag: string;

  before(async () => {
    vigil = await startTestVigil();
    s3 = s3Client(vigil);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp', ChecksumAlgorithm: 'SHA256' }));
    const uploaded = [];
    for (const [index, body] of parts.entries()) {
      const part = await s3.send(
        new UploadPartCommand({ Bucket: BUCKET, Key: 'mp', UploadId: upload.UploadId, PartNumber: index + 1, Body: body, ChecksumSHA256: createHash('sha256').update(body).digest('base64') }),
      );
      uploaded.push({ PartNumber: index + 1, ETag: part.ETag, ChecksumSHA256: part.ChecksumSHA256 });
    }
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp', UploadId: upload.UploadId, MultipartUpload: { Parts: uploaded } }));
    eTag = done.ETag!;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'whole', Body: 'one piece' }));
  });
  after(() => vigil.stop());

  test('GetObject and HeadObject by part number answer that part and the part count', async () => {
    for (const [index, body] of parts.entries()) {
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'mp', PartNumber: index + 1 }));
      assert.equal(got.PartsCount, 3);
      assert.equal(got.ETag, eTag);
      assert.equal(got.ContentLength, body.length);
      assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body), `part ${index + 1}`);
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'mp', PartNumber: index + 1 }));
      assert.equal(head.ContentLength, body.length);
      assert.equal(head.PartsCount, 3);
    }
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'whole', PartNumber: 1 }))).Body!.transformToString(), 'one piece');
    // Past the last part: 416 InvalidPartNumber, as on AWS; with a Range too: 400 InvalidRequest.
    for (const key of ['mp', 'whole']) {
      const past = await sendS3(vigil, { method: 'GET', path: `/${BUCKET}/${key}`, query: { partNumber: key === 'mp' ? '4' : '2' } });
      assert.equal(past.status, 416);
      assert.equal(errorCode(past), 'InvalidPartNumber');
    }
    const both = await sendS3(vigil, { method: 'GET', path: `/${BUCKET}/mp`, query: { partNumber: '1' }, headers: { range: 'bytes=0-1' } });
    assert.equal(errorCode(both), 'InvalidRequest');
    const zero = await sendS3(vigil, { method: 'GET', path: `/${BUCKET}/mp`, query: { partNumber: '0' } });
    assert.equal(errorCode(zero), 'InvalidArgument');
  });

  test('GetObjectAttributes answers the asked attributes, the parts page by page with their checksums', async () => {
    const all = await s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'mp', ObjectAttributes: ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] }));
    assert.equal(all.ETag, eTag.replace(/"/g, ''));
    assert.equal(
      all.ObjectSize,
      parts.reduce((sum, part) => sum + part.length, 0),
    );
    assert.equal(all.StorageClass, 'STANDARD');
    assert.match(all.Checksum?.ChecksumSHA256 ?? '', /-3$/);
    assert.equal(all.ObjectParts?.TotalPartsCount, 3);
    assert.deepEqual(
      all.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumSHA256]),
      parts.map((body, index) => [index + 1, body.length, createHash('sha256').update(body).digest('base64')]),
    );
    const page = await s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'mp', ObjectAttributes: ['ObjectParts'], MaxParts: 1, PartNumberMarker: '1' }));
    assert.equal(page.ETag, undefined);
    assert.equal(page.ObjectParts?.IsTruncated, true);
    assert.equal(page.ObjectParts?.NextPartNumberMarker, '2');
    assert.deepEqual(
      page.ObjectParts?.Parts?.map((p) => p.PartNumber),
      [2],
    );
    const whole = await s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'whole', ObjectAttributes: ['ObjectSize', 'ObjectParts'] }));
    assert.equal(whole.ObjectSize, 'one piece'.length);
    assert.equal(whole.ObjectParts, undefined);
    for (const headers of [{}, { 'x-amz-object-attributes': 'ETag,Colour' }] as Record<string, string>[]) {
      const refused = await sendS3(vigil, { method: 'GET', path: `/${BUCKET}/mp`, query: { attributes: '' }, headers });
      assert.equal(refused.status, 400);
      assert.equal(errorCode(refused), 'InvalidArgument');
    }
    const missing = await sendS3(vigil, { method: 'GET', path: `/${BUCKET}/absent`, query: { attributes: '' }, headers: { 'x-amz-object-attributes': 'ETag' } });
    assert.equal(errorCode(missing), 'NoSuchKey');
  });
});
