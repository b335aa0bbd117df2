import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { COOKIES } from '../../helpers/datasets.js';
import { awsCli, awsCliSkip, filesUnder, s3Client } from '../../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../../helpers/vigil.js';

const IMAGES = join(COOKIES, 'test-images');

describe('S3 API with the AWS CLI (aws s3 / aws s3api)', { skip: awsCliSkip }, () => {
  let vigil: TestVigil;
  let work: string;
  /** Distinctive 64-byte slices of everything uploaded, to look for on disk at the end. */
  const uploaded: { name: string; slice: Buffer }[] = [];

  before(async () => {
    vigil = await startTestVigil();
    work = await mkdtemp(join(tmpdir(), 'vigil-s3-cli-'));
  });
  after(async () => {
    await vigil.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('s3 sync a folder of images up and down, ls, rm', async () => {
    await s3Client(vigil).send(new CreateBucketCommand({ Bucket: 'cli-images' }));
    const names = (await readdir(IMAGES)).sort().slice(0, 8);
    const source = join(work, 'source');
    await mkdir(join(source, 'nested'), { recursive: true });
    for (const [i, name] of names.entries()) {
      const bytes = await readFile(join(IMAGES, name));
      await writeFile(join(source, i % 2 ? 'nested' : '', name), bytes);
      uploaded.push({ name, slice: bytes.subarray(bytes.length >> 1, (bytes.length >> 1) + 64) });
    }
    // A name that URL-encoded listings (encoding-type=url, which the CLI asks for) must round-trip.
    await writeFile(join(source, 'odd name+plus%.jpg'), await readFile(join(IMAGES, names[0])));
    await awsCli(vigil, ['s3', 'sync', source, 's3://cli-images/cookies/']);
    const listing = (await awsCli(vigil, ['s3', 'ls', '--recursive', 's3://cli-images/'])).stdout;
    for (const name of names) assert.match(listing, new RegExp(`cookies/(nested/)?${name.replace('.', '\\.')}`));
    // A sync down gives back identical files.
    const target = join(work, 'target');
    await awsCli(vigil, ['s3', 'sync', 's3://cli-images/cookies/', target]);
    for (const path of await filesUnder(source)) {
      assert.deepEqual(await readFile(path.replace(source, target)), await readFile(path), path);
    }

    await awsCli(vigil, ['s3', 'rm', '--recursive', 's3://cli-images/cookies/nested/']);
    const left = await s3Client(vigil).send(new ListObjectsV2Command({ Bucket: 'cli-images', Prefix: 'cookies/' }));
    assert.deepEqual(left.Contents?.map((c) => c.Key).sort(), [...names.filter((_, i) => i % 2 === 0), 'odd name+plus%.jpg'].map((name) => `cookies/${name}`).sort());
  });

  test('a 20 MB file goes up as a multipart upload, is copied (UploadPartCopy) and comes back byte-identical', async () => {
    const big = randomBytes(20 * 1024 * 1024);
    uploaded.push({ name: 'big.bin', slice: big.subarray(12_345_678, 12_345_678 + 64) });
    await writeFile(join(work, 'big.bin'), big);
    await awsCli(vigil, ['s3', 'cp', join(work, 'big.bin'), 's3://cli-images/big/big.bin']);
    const head = await s3Client(vigil).send(new HeadObjectCommand({ Bucket: 'cli-images', Key: 'big/big.bin' }));
    assert.equal(head.ContentLength, big.length);
    assert.match(head.ETag ?? '', /-3"$/, 'aws s3 cp switched to multipart (8 MB parts)');
    assert.equal(head.ServerSideEncryption, 'aws:kms');
    // A copy inside the server: aws s3 cp uses UploadPartCopy above 8 MB.
    await awsCli(vigil, ['s3', 'cp', 's3://cli-images/big/big.bin', 's3://cli-images/big/big2.bin']);
    await awsCli(vigil, ['s3', 'cp', 's3://cli-images/big/big2.bin', join(work, 'big.copy')]);
    assert.ok(big.equals(await readFile(join(work, 'big.copy'))), 'downloaded bytes differ');
  });

  test('s3api: put-object with metadata, get-object with a range, an error', async () => {
    const manifest = Buffer.from('{"source-ref":"s3://cli-images/a.jpg","class":1}\n'.repeat(40));
    uploaded.push({ name: 'manifest', slice: manifest.subarray(0, 64) });
    await writeFile(join(work, 'train.manifest'), manifest);
    const put = JSON.parse(
      (
        await awsCli(vigil, [
          's3api',
          'put-object',
          '--bucket',
          'cli-images',
          '--key',
          'manifests/train.manifest',
          '--body',
          join(work, 'train.manifest'),
          '--metadata',
          'purpose=test',
          '--content-type',
          'application/x-ndjson',
        ])
      ).stdout,
    );
    assert.match(put.ETag, /^"[0-9a-f]{32}"$/);
    const got = JSON.parse((await awsCli(vigil, ['s3api', 'get-object', '--bucket', 'cli-images', '--key', 'manifests/train.manifest', '--range', 'bytes=10-19', join(work, 'part')])).stdout);
    assert.equal(got.ContentRange, `bytes 10-19/${manifest.length}`);
    assert.deepEqual(got.Metadata, { purpose: 'test' });
    assert.deepEqual(await readFile(join(work, 'part')), manifest.subarray(10, 20));
    const missing = await awsCli(vigil, ['s3api', 'get-object', '--bucket', 'cli-images', '--key', 'nope', join(work, 'nope')]).then(
      () => '',
      (error: { stderr: string }) => error.stderr,
    );
    assert.match(missing, /NoSuchKey/);
  });

  test('no plaintext of any uploaded object appears anywhere under the data directory', async () => {
    assert.ok(uploaded.length >= 10);
    const files = await filesUnder(vigil.dataDir);
    assert.ok(files.some((path) => path.includes('/buckets/objects/')));
    for (const path of files) {
      const content = await readFile(path);
      for (const { name, slice } of uploaded) assert.equal(content.indexOf(slice), -1, `${name} found in plaintext in ${path}`);
    }
  });
});
