import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectTaggingCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { errorCode, s3Client, sendS3 } from '../../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../../helpers/vigil.js';

const BUCKET = 'tags';

/** Object tagging through the real @aws-sdk/client-s3: x-amz-tagging on writes, Put/Get/DeleteObjectTagging per version, and refused tag sets. */
describe('S3 object tagging with @aws-sdk/client-s3', () => {
  let vigil: TestVigil;
  let s3: S3Client;
  const tagsOf = async (key: string, versionId?: string) =>
    Object.fromEntries(((await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: key, VersionId: versionId }))).TagSet ?? []).map((t) => [t.Key, t.Value]));

  before(async () => {
    vigil = await startTestVigil();
    s3 = s3Client(vigil);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  after(() => vigil.stop());

  test('x-amz-tagging on PutObject, CreateMultipartUpload and CopyObject; the tag count on HEAD', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'put', Body: 'x', Tagging: 'line=3&station=a%20b' }));
    assert.deepEqual(await tagsOf('put'), { line: '3', station: 'a b' });
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'put' }))).TagCount, 2);
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'parts', Tagging: 'kind=multipart' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'parts', UploadId: upload.UploadId, PartNumber: 1, Body: 'p' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'parts', UploadId: upload.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    assert.deepEqual(await tagsOf('parts'), { kind: 'multipart' });
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copied', CopySource: `${BUCKET}/put` }));
    assert.deepEqual(await tagsOf('copied'), { line: '3', station: 'a b' });
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'replaced', CopySource: `${BUCKET}/put`, TaggingDirective: 'REPLACE', Tagging: 'new=1' }));
    assert.deepEqual(await tagsOf('replaced'), { new: '1' });
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'copied' }))).TagCount, 2);
  });

  test('Put/Get/DeleteObjectTagging replace the tags of the current or of a named version', async () => {
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    const first = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'v', Body: '1', Tagging: 'gen=1' }));
    const second = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'v', Body: '2' }));
    const put = await s3.send(new PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'v', Tagging: { TagSet: [{ Key: 'gen', Value: '2' }] } }));
    assert.equal(put.VersionId, second.VersionId);
    assert.deepEqual(await tagsOf('v'), { gen: '2' });
    assert.deepEqual(await tagsOf('v', first.VersionId), { gen: '1' });
    const deleted = await s3.send(new DeleteObjectTaggingCommand({ Bucket: BUCKET, Key: 'v', VersionId: first.VersionId }));
    assert.equal(deleted.VersionId, first.VersionId);
    assert.deepEqual(await tagsOf('v', first.VersionId), {});
    assert.deepEqual(await tagsOf('v'), { gen: '2' });
    const missing = await sendS3(vigil, { method: 'GET', path: `/${BUCKET}/absent`, query: { tagging: '' } });
    assert.equal(missing.status, 404);
    assert.equal(errorCode(missing), 'NoSuchKey');
  });

  test('bad tag sets are refused with S3 codes and change nothing', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'kept', Body: 'x', Tagging: 'a=1' }));
    const eleven = Array.from({ length: 11 }, (_, i) => `<Tag><Key>k${i}</Key><Value>v</Value></Tag>`).join('');
    for (const [body, code] of [
      [`<Tagging><TagSet>${eleven}</TagSet></Tagging>`, 'BadRequest'],
      ['<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>a</Key><Value>2</Value></Tag></TagSet></Tagging>', 'InvalidTag'],
      ['<Tagging><TagSet><Tag><Key>aws:reserved</Key><Value>1</Value></Tag></TagSet></Tagging>', 'InvalidTag'],
      [`<Tagging><TagSet><Tag><Key>${'k'.repeat(129)}</Key><Value>1</Value></Tag></TagSet></Tagging>`, 'InvalidTag'],
      [`<Tagging><TagSet><Tag><Key>k</Key><Value>${'v'.repeat(257)}</Value></Tag></TagSet></Tagging>`, 'InvalidTag'],
      ['<Tagging><TagSet><Tag><Key>k</Key><Value>semi;colon</Value></Tag></TagSet></Tagging>', 'InvalidTag'],
      ['<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>', 'MalformedXML'],
      ['<Tagging/>', 'MalformedXML'],
    ] as const) {
      const response = await sendS3(vigil, { method: 'PUT', path: `/${BUCKET}/kept`, query: { tagging: '' }, body });
      assert.equal(response.status, 400, body);
      assert.equal(errorCode(response), code, body);
    }
    assert.deepEqual(await tagsOf('kept'), { a: '1' });
    const badHeader = await sendS3(vigil, { method: 'PUT', path: `/${BUCKET}/never`, headers: { 'x-amz-tagging': 'aws:x=1' }, body: 'x' });
    assert.equal(errorCode(badHeader), 'InvalidTag');
    assert.equal((await sendS3(vigil, { method: 'HEAD', path: `/${BUCKET}/never` })).status, 404);
  });
});
