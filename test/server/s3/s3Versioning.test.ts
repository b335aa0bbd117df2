import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { rejects } from '../../helpers/rejects.js';
import { bucketBlobFiles, errorCode, s3Client, sendS3 } from '../../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../../helpers/vigil.js';

/** Bucket versioning through the real @aws-sdk/client-s3: versions, delete markers, suspension, listing, and every version sealed. */
describe('S3 bucket versioning with @aws-sdk/client-s3', () => {
  let vigil: TestVigil;
  let s3: S3Client;
  const text = async (bucket: string, key: string, versionId?: string) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }))).Body!.transformToString();
  const versionsOf = async (bucket: string) => {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    return {
      versions: (listed.Versions ?? []).map((v) => [v.Key, v.VersionId, v.IsLatest]),
      markers: (listed.DeleteMarkers ?? []).map((m) => [m.Key, m.VersionId, m.IsLatest]),
    };
  };

  before(async () => {
    vigil = await startTestVigil();
    s3 = s3Client(vigil);
  });
  after(() => vigil.stop());

  test('PutBucketVersioning sets Enabled or Suspended; a bad document or MFA delete changes nothing', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'states' }));
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'states' }))).Status, undefined);
    const put = (body: string) => sendS3(vigil, { method: 'PUT', path: '/states', query: { versioning: '' }, body });
    for (const [body, status, code] of [
      ['<VersioningConfiguration/>', 400, 'MalformedXML'],
      ['<VersioningConfiguration><Status>Disabled</Status></VersioningConfiguration>', 400, 'MalformedXML'],
      ['<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>', 501, 'NotImplemented'],
      ['<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Sometimes</MfaDelete></VersioningConfiguration>', 400, 'MalformedXML'],
      ['not xml', 400, 'MalformedXML'],
    ] as const) {
      const response = await put(body);
      assert.equal(response.status, status, body);
      assert.equal(errorCode(response), code, body);
      assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'states' }))).Status, undefined, body);
    }
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'states', VersioningConfiguration: { Status: 'Enabled', MFADelete: 'Disabled' } }));
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'states' }))).Status, 'Enabled');
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'states', VersioningConfiguration: { Status: 'Suspended' } }));
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'states' }))).Status, 'Suspended');
    await rejects(s3.send(new PutBucketVersioningCommand({ Bucket: 'no-such-bucket', VersioningConfiguration: { Status: 'Enabled' } })), 'NoSuchBucket', 404);
  });

  test('versions: each PUT keeps its own sealed version, a DELETE adds a marker, deleting a version destroys its blob', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'kept' }));
    const plain = await s3.send(new PutObjectCommand({ Bucket: 'kept', Key: 'k', Body: 'before versioning' }));
    assert.equal(plain.VersionId, undefined);
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'kept', VersioningConfiguration: { Status: 'Enabled' } }));
    const one = await s3.send(new PutObjectCommand({ Bucket: 'kept', Key: 'k', Body: 'secret one' }));
    const two = await s3.send(new PutObjectCommand({ Bucket: 'kept', Key: 'k', Body: 'secret two' }));
    assert.match(one.VersionId!, /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(one.VersionId, two.VersionId);
    assert.equal(await text('kept', 'k'), 'secret two');
    assert.equal(await text('kept', 'k', one.VersionId), 'secret one');
    assert.equal(await text('kept', 'k', 'null'), 'before versioning');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'kept', Key: 'k', VersionId: one.VersionId }));
    assert.equal(head.VersionId, one.VersionId);
    assert.equal(head.ContentLength, 'secret one'.length);
    assert.deepEqual((await versionsOf('kept')).versions, [
      ['k', two.VersionId, true],
      ['k', one.VersionId, false],
      ['k', 'null', false],
    ]);
    // Every version is its own sealed blob: no plaintext on disk.
    const blobs = await bucketBlobFiles(vigil);
    for (const path of blobs) assert.ok(!(await readFile(path)).includes('secret'), path);

    const marker = await s3.send(new DeleteObjectCommand({ Bucket: 'kept', Key: 'k' }));
    assert.equal(marker.DeleteMarker, true);
    assert.ok(marker.VersionId);
    await rejects(s3.send(new GetObjectCommand({ Bucket: 'kept', Key: 'k' })), 'NoSuchKey', 404);
    const hidden = await sendS3(vigil, { method: 'GET', path: '/kept/k' });
    assert.equal(hidden.headers['x-amz-delete-marker'], 'true');
    assert.equal(hidden.headers['x-amz-version-id'], marker.VersionId);
    const named = await sendS3(vigil, { method: 'GET', path: '/kept/k', query: { versionId: marker.VersionId! } });
    assert.equal(named.status, 405);
    assert.equal(errorCode(named), 'MethodNotAllowed');
    assert.equal(named.headers['x-amz-delete-marker'], 'true');
    assert.deepEqual((await s3.send(new ListObjectsV2Command({ Bucket: 'kept' }))).Contents, undefined);
    assert.deepEqual((await versionsOf('kept')).markers, [['k', marker.VersionId, true]]);
    // Not empty while versions are left, and an upload in progress is kept.
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'kept', Key: 'in-progress' }));
    await rejects(s3.send(new DeleteBucketCommand({ Bucket: 'kept' })), 'BucketNotEmpty', 409);
    assert.deepEqual(
      (await s3.send(new ListMultipartUploadsCommand({ Bucket: 'kept' }))).Uploads?.map((u) => u.UploadId),
      [upload.UploadId],
    );

    // Bad version ids: NoSuchVersion, and nothing changed.
    await rejects(s3.send(new GetObjectCommand({ Bucket: 'kept', Key: 'k', VersionId: 'no-such-version' })), 'NoSuchVersion', 404);
    await s3.send(new DeleteObjectCommand({ Bucket: 'kept', Key: 'k', VersionId: 'no-such-version' }));
    assert.equal((await versionsOf('kept')).versions.length, 3);

    // Removing the marker brings the newest version back; removing a version removes its blob (and the data key sealed in it).
    const removed = await s3.send(new DeleteObjectCommand({ Bucket: 'kept', Key: 'k', VersionId: marker.VersionId }));
    assert.equal(removed.DeleteMarker, true);
    assert.equal(await text('kept', 'k'), 'secret two');
    await s3.send(new DeleteObjectCommand({ Bucket: 'kept', Key: 'k', VersionId: two.VersionId }));
    assert.equal((await bucketBlobFiles(vigil)).length, blobs.length - 1);
    assert.equal(await text('kept', 'k'), 'secret one');
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'kept', Key: 'k' }))).VersionId, one.VersionId);
    await s3.send(new DeleteObjectCommand({ Bucket: 'kept', Key: 'k', VersionId: one.VersionId }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'kept', Key: 'k', VersionId: 'null' }));
    assert.equal((await bucketBlobFiles(vigil)).length, blobs.length - 3);
    assert.deepEqual(await versionsOf('kept'), { versions: [], markers: [] });
    await s3.send(new DeleteBucketCommand({ Bucket: 'kept' }));
  });

  test('suspended: writes and deletes replace the null version and keep the others', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'paused' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'paused', VersioningConfiguration: { Status: 'Enabled' } }));
    const kept = await s3.send(new PutObjectCommand({ Bucket: 'paused', Key: 'k', Body: 'kept' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'paused', VersioningConfiguration: { Status: 'Suspended' } }));
    const blobs = (await bucketBlobFiles(vigil)).length;
    assert.equal((await s3.send(new PutObjectCommand({ Bucket: 'paused', Key: 'k', Body: 'null 1' }))).VersionId, undefined);
    await s3.send(new PutObjectCommand({ Bucket: 'paused', Key: 'k', Body: 'null 2' }));
    assert.equal((await bucketBlobFiles(vigil)).length, blobs + 1);
    assert.equal(await text('paused', 'k', 'null'), 'null 2');
    assert.deepEqual((await versionsOf('paused')).versions, [
      ['k', 'null', true],
      ['k', kept.VersionId, false],
    ]);
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: 'paused', Key: 'k' }));
    assert.equal(marker.DeleteMarker, true);
    assert.equal(marker.VersionId, 'null');
    assert.equal((await bucketBlobFiles(vigil)).length, blobs);
    assert.deepEqual(await versionsOf('paused'), { versions: [['k', kept.VersionId, false]], markers: [['k', 'null', true]] });
    assert.equal(await text('paused', 'k', kept.VersionId), 'kept');
  });

  test('copy of a version, restore by copying it onto its key, multipart versions, DeleteObjects with versions, listing pages', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'more' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'more', VersioningConfiguration: { Status: 'Enabled' } }));
    const first = await s3.send(new PutObjectCommand({ Bucket: 'more', Key: 'doc', Body: 'first' }));
    await s3.send(new PutObjectCommand({ Bucket: 'more', Key: 'doc', Body: 'second' }));
    const copy = await s3.send(new CopyObjectCommand({ Bucket: 'more', Key: 'copy', CopySource: `more/doc?versionId=${first.VersionId}` }));
    assert.equal(copy.CopySourceVersionId, first.VersionId);
    assert.ok(copy.VersionId);
    assert.equal(await text('more', 'copy'), 'first');
    const restored = await s3.send(new CopyObjectCommand({ Bucket: 'more', Key: 'doc', CopySource: `more/doc?versionId=${first.VersionId}` }));
    assert.equal(await text('more', 'doc'), 'first');
    await rejects(s3.send(new CopyObjectCommand({ Bucket: 'more', Key: 'x', CopySource: 'more/doc?versionId=no-such-version' })), 'NoSuchVersion', 404);

    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'more', Key: 'parts' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: 'more', Key: 'parts', UploadId: upload.UploadId, PartNumber: 1, Body: 'in parts' }));
    const completed = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'more', Key: 'parts', UploadId: upload.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    assert.ok(completed.VersionId);
    assert.equal(await text('more', 'parts', completed.VersionId), 'in parts');

    // Pages of one version each, in order: doc's three versions newest first, then parts.
    const seen: string[] = [];
    let page = await s3.send(new ListObjectVersionsCommand({ Bucket: 'more', Prefix: 'doc', MaxKeys: 1 }));
    for (;;) {
      seen.push(...(page.Versions ?? []).map((v) => v.VersionId!));
      if (!page.IsTruncated) break;
      page = await s3.send(new ListObjectVersionsCommand({ Bucket: 'more', Prefix: 'doc', MaxKeys: 1, KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker }));
    }
    assert.equal(seen.length, 3);
    assert.equal(seen[0], restored.VersionId);
    assert.equal(seen[2], first.VersionId);
    const noKeyMarker = await sendS3(vigil, { method: 'GET', path: '/more', query: { versions: '', 'version-id-marker': first.VersionId! } });
    assert.equal(errorCode(noKeyMarker), 'InvalidArgument');
    const notAnId = await sendS3(vigil, { method: 'GET', path: '/more', query: { versions: '', 'key-marker': 'doc', 'version-id-marker': 'not.an.id' } });
    assert.equal(errorCode(notAnId), 'InvalidArgument');
    // Emptying a bucket page by page deletes the version a page ended on before asking for the next one.
    const firstPage = await s3.send(new ListObjectVersionsCommand({ Bucket: 'more', Prefix: 'doc', MaxKeys: 2 }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'more', Key: 'doc', VersionId: firstPage.NextVersionIdMarker }));
    const nextPage = await s3.send(new ListObjectVersionsCommand({ Bucket: 'more', Prefix: 'doc', MaxKeys: 2, KeyMarker: firstPage.NextKeyMarker, VersionIdMarker: firstPage.NextVersionIdMarker }));
    assert.deepEqual(
      nextPage.Versions?.map((v) => v.VersionId),
      [first.VersionId],
    );

    const deleted = await s3.send(
      new DeleteObjectsCommand({ Bucket: 'more', Delete: { Objects: [{ Key: 'copy' }, { Key: 'parts', VersionId: completed.VersionId }, { Key: 'doc', VersionId: first.VersionId }] } }),
    );
    const byKey = new Map((deleted.Deleted ?? []).map((d) => [d.Key, d]));
    assert.equal(byKey.get('copy')?.DeleteMarker, true);
    assert.ok(byKey.get('copy')?.DeleteMarkerVersionId);
    assert.equal(byKey.get('parts')?.VersionId, completed.VersionId);
    assert.equal(byKey.get('parts')?.DeleteMarker, undefined);
    assert.equal(await text('more', 'doc'), 'first');
    await rejects(s3.send(new GetObjectCommand({ Bucket: 'more', Key: 'doc', VersionId: first.VersionId })), 'NoSuchVersion', 404);
    assert.equal((await s3.send(new ListObjectVersionsCommand({ Bucket: 'more', Prefix: 'doc' }))).Versions?.length, 1);
    await rejects(s3.send(new HeadObjectCommand({ Bucket: 'more', Key: 'parts' })), 'NotFound', 404);
  });
});
