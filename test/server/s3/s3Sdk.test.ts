import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteBucketEncryptionCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { COOKIES } from '../../helpers/datasets.js';
import { rejects } from '../../helpers/rejects.js';
import { bucketBlobFiles, errorCode, s3Client, sendS3WithHost } from '../../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../../helpers/vigil.js';

const IMAGES = join(COOKIES, 'training-images');
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

async function bodyOf(response: { Body?: unknown }): Promise<Buffer> {
  return Buffer.from(await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

describe('S3 API with @aws-sdk/client-s3', () => {
  let vigil: TestVigil;
  let s3: S3Client;

  before(async () => {
    vigil = await startTestVigil();
    s3 = s3Client(vigil);
  });
  after(() => vigil.stop());

  test('buckets: create, head, list, refuse a duplicate, delete only when empty', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'lifecycle' }));
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'lifecycle' }));
    assert.equal(head.BucketRegion, 'us-east-1');
    assert.equal((await s3.send(new GetBucketLocationCommand({ Bucket: 'lifecycle' }))).LocationConstraint, undefined);
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'lifecycle' }))).Status, undefined);
    const listed = await s3.send(new ListBucketsCommand({}));
    assert.ok(listed.Buckets?.some((b) => b.Name === 'lifecycle' && b.CreationDate instanceof Date));
    await s3.send(new CreateBucketCommand({ Bucket: 'lifecycle' })); // us-east-1: 200 again, as on S3 there
    await s3.send(new PutObjectCommand({ Bucket: 'lifecycle', Key: 'x', Body: 'x' }));
    await rejects(s3.send(new DeleteBucketCommand({ Bucket: 'lifecycle' })), 'BucketNotEmpty', 409);
    await s3.send(new DeleteObjectCommand({ Bucket: 'lifecycle', Key: 'x' }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'lifecycle' }));
    await rejects(s3.send(new HeadBucketCommand({ Bucket: 'lifecycle' })), 'NotFound', 404);
    await rejects(s3.send(new PutObjectCommand({ Bucket: 'lifecycle', Key: 'x', Body: 'x' })), 'NoSuchBucket', 404);
  });

  test('real images round-trip byte for byte, streamed up with the default CRC32 trailer and validated on the way down', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'images' }));
    const names = (await readdir(IMAGES)).sort().slice(0, 6);
    for (const name of names) {
      const path = join(IMAGES, name);
      const original = await readFile(path);
      // A stream body makes the SDK send aws-chunked with STREAMING-UNSIGNED-PAYLOAD-TRAILER and an x-amz-checksum-crc32 trailer;
      // read 2 KiB at a time, each (small) photo goes up in several chunks.
      const put = await s3.send(
        new PutObjectCommand({ Bucket: 'images', Key: `train/${name}`, Body: createReadStream(path, { highWaterMark: 2048 }), ContentLength: original.length, ContentType: 'image/jpeg' }),
      );
      assert.equal(put.ETag, `"${md5(original)}"`);
      assert.ok(put.ChecksumCRC32, 'the CRC32 trailer was verified and echoed');
      assert.equal(put.ServerSideEncryption, 'aws:kms');
      assert.match(put.SSEKMSKeyId ?? '', /^arn:aws:kms:us-east-1:\d{12}:key\//);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'images', Key: `train/${name}`, ChecksumMode: 'ENABLED' }));
      assert.equal(got.ChecksumCRC32, put.ChecksumCRC32);
      assert.equal(got.ContentType, 'image/jpeg');
      assert.equal(got.ContentLength, original.length);
      assert.deepEqual(await bodyOf(got), original);
    }
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'images', Key: `train/${names[0]}` }));
    assert.equal(head.ContentLength, (await readFile(join(IMAGES, names[0]))).length);
    assert.equal(head.ServerSideEncryption, 'aws:kms');
  });

  test('Range reads: first-last, open-ended, suffix, clamped past the end; 416 starting past the end', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'ranges' }));
    const data = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
    await s3.send(new PutObjectCommand({ Bucket: 'ranges', Key: 'data.bin', Body: data }));
    const cases: [string, number, number][] = [
      ['bytes=0-0', 0, 0],
      ['bytes=100-70000', 100, 70000],
      ['bytes=199990-', 199990, 199999],
      ['bytes=-10', 199990, 199999],
      ['bytes=150000-999999', 150000, 199999],
    ];
    for (const [range, start, end] of cases) {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'ranges', Key: 'data.bin', Range: range }));
      assert.equal(got.ContentRange, `bytes ${start}-${end}/200000`, range);
      assert.equal(got.$metadata.httpStatusCode, 206);
      assert.deepEqual(await bodyOf(got), data.subarray(start, end + 1), range);
    }
    await rejects(s3.send(new GetObjectCommand({ Bucket: 'ranges', Key: 'data.bin', Range: 'bytes=200000-' })), 'InvalidRange', 416);
  });

  test('ListObjectsV2: prefix, delimiter and common prefixes, max-keys with continuation tokens, start-after; V1 markers', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
    const keys = ['a.txt', 'dir/1', 'dir/2', 'dir/sub/3', 'dir2/x', 'é/unicode', 'z', 'weird key+&%.txt'];
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: 'listing', Key: key, Body: key }));
    const utf8Order = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

    const all = await s3.send(new ListObjectsV2Command({ Bucket: 'listing' }));
    assert.deepEqual(
      all.Contents?.map((c) => c.Key),
      utf8Order,
    );
    assert.equal(all.KeyCount, keys.length);
    assert.equal(all.Contents?.[0].Size, Buffer.byteLength(utf8Order[0]));

    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    assert.deepEqual(
      top.Contents?.map((c) => c.Key),
      ['a.txt', 'weird key+&%.txt', 'z'],
    );
    assert.deepEqual(
      top.CommonPrefixes?.map((p) => p.Prefix),
      ['dir/', 'dir2/', 'é/'],
    );

    const dir = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'dir/', Delimiter: '/' }));
    assert.deepEqual(
      dir.Contents?.map((c) => c.Key),
      ['dir/1', 'dir/2'],
    );
    assert.deepEqual(
      dir.CommonPrefixes?.map((p) => p.Prefix),
      ['dir/sub/'],
    );

    const paged: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 3, ContinuationToken: token, Delimiter: '/' }));
      paged.push(...(page.Contents ?? []).map((c) => c.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
      assert.ok((page.KeyCount ?? 0) <= 3);
      token = page.NextContinuationToken;
      assert.equal(page.IsTruncated, token !== undefined);
      pages++;
    } while (token);
    assert.equal(pages, 2);
    assert.deepEqual(paged.sort(), ['a.txt', 'dir/', 'dir2/', 'weird key+&%.txt', 'z', 'é/'].sort());

    const afterDir = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'dir/2' }));
    assert.deepEqual(
      afterDir.Contents?.map((c) => c.Key),
      utf8Order.slice(utf8Order.indexOf('dir/2') + 1),
    );
    const none = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'nothing/' }));
    assert.equal(none.KeyCount, 0);
    assert.equal(none.Contents, undefined);

    // V1 with a delimiter: NextMarker may be a common prefix, and the next page continues after everything under it.
    const v1pages: string[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await s3.send(new ListObjectsCommand({ Bucket: 'listing', MaxKeys: 2, Delimiter: '/', Marker: marker }));
      v1pages.push(...(page.Contents ?? []).map((c) => c.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
      if (!page.IsTruncated) break;
      marker = page.NextMarker;
    }
    assert.deepEqual(v1pages.sort(), ['a.txt', 'dir/', 'dir2/', 'weird key+&%.txt', 'z', 'é/'].sort());
    const afterPrefix = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'dir/', Delimiter: '/' }));
    assert.deepEqual(
      afterPrefix.CommonPrefixes?.map((p) => p.Prefix),
      ['dir2/', 'é/'],
    );

    const v1 = await s3.send(new ListObjectsCommand({ Bucket: 'listing', MaxKeys: 2 }));
    assert.equal(v1.IsTruncated, true);
    const v1next = await s3.send(new ListObjectsCommand({ Bucket: 'listing', Marker: v1.Contents![1].Key }));
    assert.deepEqual(
      v1next.Contents?.map((c) => c.Key),
      utf8Order.slice(2),
    );
    await rejects(s3.send(new ListObjectsV2Command({ Bucket: 'listing', ContinuationToken: 'garbage' })), 'InvalidArgument', 400);
  });

  test('DeleteObject and DeleteObjects (verbose and quiet) remove rows and blobs', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'deletes' }));
    const before = (await bucketBlobFiles(vigil)).length;
    for (const key of ['1', '2', '3', '4']) await s3.send(new PutObjectCommand({ Bucket: 'deletes', Key: key, Body: key }));
    assert.equal((await bucketBlobFiles(vigil)).length, before + 4);
    const verbose = await s3.send(new DeleteObjectsCommand({ Bucket: 'deletes', Delete: { Objects: [{ Key: '1' }, { Key: '2' }, { Key: 'absent' }] } }));
    assert.deepEqual(verbose.Deleted?.map((d) => d.Key).sort(), ['1', '2', 'absent']);
    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: 'deletes', Delete: { Objects: [{ Key: '3' }], Quiet: true } }));
    assert.equal(quiet.Deleted, undefined);
    await s3.send(new DeleteObjectCommand({ Bucket: 'deletes', Key: '4' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'deletes', Key: '4' }));
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'deletes' }))).KeyCount, 0);
    assert.equal((await bucketBlobFiles(vigil)).length, before);
  });

  test('CopyObject re-seals under the destination, keeping or replacing metadata', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'copies' }));
    const image = await readFile(join(IMAGES, 'normal-1.jpg'));
    await s3.send(new PutObjectCommand({ Bucket: 'copies', Key: 'src/a b.jpg', Body: image, ContentType: 'image/jpeg', Metadata: { origin: 'camera' } }));
    const copied = await s3.send(new CopyObjectCommand({ Bucket: 'copies', Key: 'dst/copy.jpg', CopySource: 'copies/src/a%20b.jpg' }));
    assert.equal(copied.CopyObjectResult?.ETag, `"${md5(image)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'copies', Key: 'dst/copy.jpg' }));
    assert.deepEqual(got.Metadata, { origin: 'camera' });
    assert.deepEqual(await bodyOf(got), image);
    await s3.send(
      new CopyObjectCommand({ Bucket: 'copies', Key: 'dst/copy.jpg', CopySource: 'copies/dst/copy.jpg', MetadataDirective: 'REPLACE', Metadata: { origin: 'copy' }, ContentType: 'image/x-test' }),
    );
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: 'copies', Key: 'dst/copy.jpg' }));
    assert.deepEqual(replaced.Metadata, { origin: 'copy' });
    assert.equal(replaced.ContentType, 'image/x-test');
    await rejects(s3.send(new CopyObjectCommand({ Bucket: 'copies', Key: 'dst/copy.jpg', CopySource: 'copies/dst/copy.jpg' })), 'InvalidRequest', 400);
    await rejects(s3.send(new CopyObjectCommand({ Bucket: 'copies', Key: 'x', CopySource: 'copies/missing' })), 'NoSuchKey', 404);
  });

  test('multipart upload: parts, ListParts, Complete into one object (ETag -N), Abort', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'multipart' }));
    const part1 = Buffer.alloc(5 * 1024 * 1024, 7);
    part1.write('first part', 0);
    const part2 = Buffer.from('the short last part');
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'multipart', Key: 'big.bin', ContentType: 'application/x-big', Metadata: { m: '1' } }));
    const uploadId = created.UploadId!;
    const p1 = await s3.send(new UploadPartCommand({ Bucket: 'multipart', Key: 'big.bin', UploadId: uploadId, PartNumber: 1, Body: part1 }));
    const p2 = await s3.send(new UploadPartCommand({ Bucket: 'multipart', Key: 'big.bin', UploadId: uploadId, PartNumber: 2, Body: part2 }));
    const parts = await s3.send(new ListPartsCommand({ Bucket: 'multipart', Key: 'big.bin', UploadId: uploadId }));
    assert.deepEqual(
      parts.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag]),
      [
        [1, part1.length, p1.ETag],
        [2, part2.length, p2.ETag],
      ],
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'multipart',
        Key: 'big.bin',
        UploadId: uploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag },
            { PartNumber: 2, ETag: p2.ETag },
          ],
        },
      }),
    );
    const expectedETag = `${createHash('md5')
      .update(Buffer.from(md5(part1), 'hex'))
      .update(Buffer.from(md5(part2), 'hex'))
      .digest('hex')}-2`;
    assert.equal(done.ETag, `"${expectedETag}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'multipart', Key: 'big.bin', ChecksumMode: 'ENABLED' }));
    assert.equal(got.ContentType, 'application/x-big');
    assert.deepEqual(got.Metadata, { m: '1' });
    assert.deepEqual(await bodyOf(got), Buffer.concat([part1, part2]));
    await rejects(s3.send(new ListPartsCommand({ Bucket: 'multipart', Key: 'big.bin', UploadId: uploadId })), 'NoSuchUpload', 404);

    // UploadPartCopy: parts cut from an existing object (how aws s3 cp copies large objects).
    const copy = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'multipart', Key: 'copy.bin' }));
    const whole = Buffer.concat([part1, part2]);
    const c1 = await s3.send(
      new UploadPartCopyCommand({ Bucket: 'multipart', Key: 'copy.bin', UploadId: copy.UploadId, PartNumber: 1, CopySource: 'multipart/big.bin', CopySourceRange: `bytes=0-${part1.length - 1}` }),
    );
    const c2 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: 'multipart',
        Key: 'copy.bin',
        UploadId: copy.UploadId,
        PartNumber: 2,
        CopySource: 'multipart/big.bin',
        CopySourceRange: `bytes=${part1.length}-${whole.length - 1}`,
      }),
    );
    assert.equal(c1.CopyPartResult?.ETag, p1.ETag);
    await rejects(
      s3.send(new UploadPartCopyCommand({ Bucket: 'multipart', Key: 'copy.bin', UploadId: copy.UploadId, PartNumber: 3, CopySource: 'multipart/big.bin', CopySourceRange: `bytes=0-${whole.length}` })),
      'InvalidArgument',
      400,
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'multipart',
        Key: 'copy.bin',
        UploadId: copy.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: c1.CopyPartResult?.ETag },
            { PartNumber: 2, ETag: c2.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    assert.deepEqual(await bodyOf(await s3.send(new GetObjectCommand({ Bucket: 'multipart', Key: 'copy.bin' }))), whole);

    const other = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'multipart', Key: 'aborted.bin' }));
    await s3.send(new UploadPartCommand({ Bucket: 'multipart', Key: 'aborted.bin', UploadId: other.UploadId, PartNumber: 1, Body: 'x' }));
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'multipart' }));
    assert.deepEqual(
      uploads.Uploads?.map((u) => [u.Key, u.UploadId]),
      [['aborted.bin', other.UploadId]],
    );
    await rejects(
      s3.send(new DeleteBucketCommand({ Bucket: 'multipart' })).then(() => s3.send(new HeadBucketCommand({ Bucket: 'multipart' }))),
      'BucketNotEmpty',
      409,
    );
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'multipart', Key: 'aborted.bin', UploadId: other.UploadId }));
    await rejects(s3.send(new ListPartsCommand({ Bucket: 'multipart', Key: 'aborted.bin', UploadId: other.UploadId })), 'NoSuchUpload', 404);
    const blobs = await bucketBlobFiles(vigil);
    assert.equal(blobs.filter((path) => path.includes('/parts/')).length, 0, 'completed and aborted uploads leave no part blobs');
  });

  test('encryption: bucket default with a customer key, explicit SSE headers, AES256, unknown keys refused', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'encrypted' }));
    const key = await vigil.kms.createKey({ description: 'bucket key' });
    const initial = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'encrypted' }));
    assert.equal(initial.ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault?.SSEAlgorithm, 'aws:kms');
    assert.equal(initial.ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault?.KMSMasterKeyID, vigil.kms.defaultKeyId);

    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'encrypted',
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.keyId } }] },
      }),
    );
    const configured = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'encrypted' }));
    assert.equal(configured.ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault?.KMSMasterKeyID, key.arn);
    const byDefault = await s3.send(new PutObjectCommand({ Bucket: 'encrypted', Key: 'default', Body: 'under the bucket key' }));
    assert.equal(byDefault.SSEKMSKeyId, key.arn);
    const blobKey = (await vigil.store.objects.get('encrypted', 'default'))!.blobKey;
    assert.equal(await vigil.blobs.keyIdOf(blobKey), key.arn, 'the blob itself is sealed under the bucket key');

    const explicit = await s3.send(new PutObjectCommand({ Bucket: 'encrypted', Key: 'explicit', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: vigil.kms.defaultKeyId }));
    assert.equal(explicit.SSEKMSKeyId, vigil.kms.defaultKeyId);
    const aes = await s3.send(new PutObjectCommand({ Bucket: 'encrypted', Key: 'aes', Body: 'x', ServerSideEncryption: 'AES256' }));
    assert.equal(aes.ServerSideEncryption, 'AES256');
    assert.equal(aes.SSEKMSKeyId, undefined);
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'encrypted', Key: 'aes' }))).ServerSideEncryption, 'AES256');

    const unknown = '11111111-2222-3333-4444-555555555555';
    await rejects(s3.send(new PutObjectCommand({ Bucket: 'encrypted', Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: unknown })), 'KMS.NotFoundException', 400);
    await rejects(
      s3.send(
        new PutBucketEncryptionCommand({
          Bucket: 'encrypted',
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: unknown } }] },
        }),
      ),
      'KMS.NotFoundException',
      400,
    );
    await s3.send(new PutBucketEncryptionCommand({ Bucket: 'encrypted', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } }));
    assert.equal((await s3.send(new PutObjectCommand({ Bucket: 'encrypted', Key: 'aes-default', Body: 'x' }))).ServerSideEncryption, 'AES256');
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: 'encrypted' }));
    assert.equal((await s3.send(new PutObjectCommand({ Bucket: 'encrypted', Key: 'back', Body: 'x' }))).SSEKMSKeyId, vigil.kms.defaultKeyId);

    // A disabled key: its objects cannot be read, and it cannot seal new ones.
    await vigil.kms.disableKey(key.keyId);
    await rejects(s3.send(new GetObjectCommand({ Bucket: 'encrypted', Key: 'default' })), 'KMS.DisabledException', 400);
    await rejects(s3.send(new PutObjectCommand({ Bucket: 'encrypted', Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.keyId })), 'KMS.DisabledException', 400);
    await vigil.kms.enableKey(key.keyId);
    assert.equal((await bodyOf(await s3.send(new GetObjectCommand({ Bucket: 'encrypted', Key: 'default' })))).toString(), 'under the bucket key');
  });

  test('virtual-host-style addressing: Host <bucket>.localhost', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'vhost' }));
    const host = `vhost.localhost:${vigil.port}`;
    const put = await sendS3WithHost(vigil, host, { method: 'PUT', path: '/dir/hello.txt', body: 'virtual hello' });
    assert.equal(put.status, 200, put.body);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'vhost', Key: 'dir/hello.txt' }));
    assert.equal((await bodyOf(got)).toString(), 'virtual hello');
    const list = await sendS3WithHost(vigil, host, { method: 'GET', path: '/', query: { 'list-type': '2' } });
    assert.equal(list.status, 200);
    assert.match(list.body, /<Key>dir\/hello.txt<\/Key>/);
    const missing = await sendS3WithHost(vigil, host, { method: 'GET', path: '/nope' });
    assert.equal(errorCode(missing), 'NoSuchKey');
  });
});

describe('bucket blobs left behind by a crash', () => {
  test('are removed at the next start; referenced objects and parts stay', async () => {
    const first = await startTestVigil();
    const dataDir = first.dataDir;
    const s3 = s3Client(first);
    await s3.send(new CreateBucketCommand({ Bucket: 'crashed' }));
    await s3.send(new PutObjectCommand({ Bucket: 'crashed', Key: 'kept', Body: 'still here' }));
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'crashed', Key: 'pending' }));
    await s3.send(new UploadPartCommand({ Bucket: 'crashed', Key: 'pending', UploadId: upload.UploadId, PartNumber: 1, Body: 'part' }));
    // What a crash between writing a blob and committing its row leaves: a sealed blob nobody points at.
    await first.blobs.put('buckets/objects/00/00000000-dead-4000-8000-000000000000', Buffer.from('orphan'), { context: { 'aws:s3:arn': 'arn:aws:s3:::crashed/x' } });
    const before = (await bucketBlobFiles(first)).length;
    await first.close();

    const second = await startTestVigil({ dataDir });
    try {
      assert.equal((await bucketBlobFiles(second)).length, before - 1);
      const got = await s3Client(second).send(new GetObjectCommand({ Bucket: 'crashed', Key: 'kept' }));
      assert.equal((await bodyOf(got)).toString(), 'still here');
      const parts = await s3Client(second).send(new ListPartsCommand({ Bucket: 'crashed', Key: 'pending', UploadId: upload.UploadId }));
      assert.equal(parts.Parts?.length, 1);
    } finally {
      await second.stop();
      const { rm } = await import('node:fs/promises');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
