import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateModelCommand, DescribeModelCommand, DetectAnomaliesCommand, StartModelCommand, StopModelCommand } from '@aws-sdk/client-lookoutvision';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ConfigError, loadConfig } from '../../src/config.js';
import { type CephRgw, cephSkip, startCephRgw } from '../helpers/cephRgw.js';
import { ALIENS, aliensProject } from '../helpers/datasets.js';
import { s3Client } from '../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

const MiB = 1024 * 1024;

describe('configuration of an S3 object store', () => {
  const base = { dataDir: '/tmp/x', port: 0 };
  const env = { VIGIL_BLOB_S3_ENDPOINT: 'https://s3.example:7480', VIGIL_BLOB_S3_BUCKET: 'vigil-objects' };

  test('endpoint, bucket, region, prefix, credentials and CA file from VIGIL_BLOB_S3_*', () => {
    const config = loadConfig(base, {
      ...env,
      VIGIL_BLOB_S3_REGION: 'default',
      VIGIL_BLOB_S3_PREFIX: 'plant-1/vigil',
      VIGIL_BLOB_S3_ACCESS_KEY_ID: 'AKID',
      VIGIL_BLOB_S3_SECRET_ACCESS_KEY: 'SECRET',
      VIGIL_BLOB_S3_CA_FILE: 'ca.pem',
    });
    assert.equal(config.blobS3Endpoint, 'https://s3.example:7480');
    assert.equal(config.blobS3Bucket, 'vigil-objects');
    assert.equal(config.blobS3Region, 'default', 'S3-compatible stores name regions freely');
    assert.equal(config.blobS3Prefix, 'plant-1/vigil');
    assert.equal(config.blobS3AccessKeyId, 'AKID');
    assert.equal(config.blobS3CaFile, join(process.cwd(), 'ca.pem'));
    const withFile = loadConfig(base, { ...env, VIGIL_BLOB_S3_CREDENTIALS_FILE: 'creds' });
    assert.equal(withFile.blobS3CredentialsFile, join(process.cwd(), 'creds'));
    assert.equal(withFile.blobS3Region, 'us-east-1', "the region defaults to Vigil's");
    const defaults = loadConfig(base, {});
    assert.equal(defaults.blobS3Endpoint, undefined, 'the embedded default keeps its objects in <data>/blobs');
  });

  test('refused: no bucket, half the credentials, keys and a file, a non-https or decorated URL, a bad prefix, settings without an endpoint', () => {
    const refused = (overrides: NodeJS.ProcessEnv, message: RegExp) =>
      assert.throws(
        () => loadConfig(base, { ...env, ...overrides }),
        (error: Error) => error instanceof ConfigError && message.test(error.message) && !error.message.includes('hunter2'),
        JSON.stringify(overrides),
      );
    refused({ VIGIL_BLOB_S3_BUCKET: undefined }, /VIGIL_BLOB_S3_BUCKET\) is required/);
    refused({ VIGIL_BLOB_S3_BUCKET: 'Not_A_Bucket' }, /not an S3 bucket name/);
    refused({ VIGIL_BLOB_S3_SECRET_ACCESS_KEY: 'hunter2' }, /give both blobS3AccessKeyId and blobS3SecretAccessKey/);
    refused({ VIGIL_BLOB_S3_ACCESS_KEY_ID: 'AKID', VIGIL_BLOB_S3_SECRET_ACCESS_KEY: 'hunter2', VIGIL_BLOB_S3_CREDENTIALS_FILE: 'f' }, /not both/);
    refused({ VIGIL_BLOB_S3_ENDPOINT: 'http://s3.example' }, /must be an https URL/);
    refused({ VIGIL_BLOB_S3_ENDPOINT: 'https://user:hunter2@s3.example/' }, /without path, query or user information/);
    refused({ VIGIL_BLOB_S3_ENDPOINT: 'https://s3.example/bucket' }, /without path/);
    refused({ VIGIL_BLOB_S3_ENDPOINT: 'not a url' }, /must be an https URL/);
    for (const prefix of ['/a', 'a/', 'a//b', '../a', 'a b']) refused({ VIGIL_BLOB_S3_PREFIX: prefix }, /blobS3Prefix .* must be folder names/);
    refused({ VIGIL_BLOB_S3_REGION: 'Mars Base' }, /blobS3Region Mars Base is not a region name/);
    assert.throws(() => loadConfig(base, { VIGIL_BLOB_S3_BUCKET: 'b' }), /apply only with blobS3Endpoint/);
  });
});

/** Samples of a plaintext to look for in what the store holds: the whole of a short one, 48-byte windows of a long one. */
function samplesOf(plaintext: Buffer): Buffer[] {
  if (plaintext.length <= 96) return [plaintext];
  return [0.25, 0.5, 0.75].map((at) => plaintext.subarray(Math.floor(plaintext.length * at), Math.floor(plaintext.length * at) + 48));
}

describe('Vigil with its objects in a Ceph RGW bucket', { skip: cephSkip }, () => {
  let rgw: CephRgw;
  let raw: S3Client;
  let dir: string;
  let b: TestVigil;
  let s3: S3Client;
  /** The store's configuration for B, as an operator would give it. */
  let storeEnv: NodeJS.ProcessEnv;
  /** Everything uploaded to B: none of it may reach the store. */
  const plaintexts: Buffer[] = [];
  /** The raw keys of the store under B's prefix. */
  const storedKeys = async (under = '') => {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const out = await raw.send(new ListObjectsV2Command({ Bucket: 'vigil-objects', Prefix: `site-a/${under}`, ContinuationToken }));
      keys.push(...(out.Contents ?? []).map((c) => c.Key!));
      ContinuationToken = out.NextContinuationToken;
    } while (ContinuationToken);
    return keys;
  };
  const body = async (key: string, range?: string) => {
    const out = await s3.send(new GetObjectCommand({ Bucket: 'b-data', Key: key, Range: range }));
    return { bytes: Buffer.from(await out.Body!.transformToByteArray()), out };
  };

  before(async () => {
    rgw = await startCephRgw();
    raw = rgw.client();
    await raw.send(new CreateBucketCommand({ Bucket: 'vigil-objects' }));
    dir = await mkdtemp(join(tmpdir(), 'vigil-s3store-'));
    const credentialsFile = join(dir, 'store-credentials');
    await writeFile(credentialsFile, `[rgw]\naws_access_key_id = ${rgw.credentials.accessKeyId}\naws_secret_access_key = ${rgw.credentials.secretAccessKey}\n`, { mode: 0o600 });
    storeEnv = {
      VIGIL_BLOB_S3_ENDPOINT: rgw.endpoint,
      VIGIL_BLOB_S3_BUCKET: 'vigil-objects',
      VIGIL_BLOB_S3_PREFIX: 'site-a',
      VIGIL_BLOB_S3_CREDENTIALS_FILE: credentialsFile,
      VIGIL_BLOB_S3_CA_FILE: rgw.caPath,
    };
    b = await startTestVigil({ dataDir: join(dir, 'b'), env: storeEnv });
    s3 = s3Client(b);
    await s3.send(new CreateBucketCommand({ Bucket: 'b-data' }));
  });

  after(async () => {
    s3?.destroy();
    raw?.destroy();
    await b?.close().catch(() => undefined);
    await rgw?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('PUT, GET, ranged GET, multipart upload and DELETE through the SDK; the objects are in the bucket, not in <data>/blobs', async () => {
    const text = Buffer.from(`a plaintext sentence that must never reach the object store ${randomBytes(8).toString('hex')}`);
    const big = randomBytes(300_000);
    plaintexts.push(text, big);
    await s3.send(new PutObjectCommand({ Bucket: 'b-data', Key: 'text.txt', Body: text }));
    await s3.send(new PutObjectCommand({ Bucket: 'b-data', Key: 'big.bin', Body: big }));
    assert.ok((await body('text.txt')).bytes.equals(text));
    assert.ok((await body('big.bin')).bytes.equals(big));
    const ranged = await body('big.bin', 'bytes=131000-131099');
    assert.ok(ranged.bytes.equals(big.subarray(131_000, 131_100)));
    assert.equal(ranged.out.ContentRange, 'bytes 131000-131099/300000');

    // Three 6 MiB parts: sealed as one 18 MiB blob, which goes to the store in two parts.
    const parts = [randomBytes(6 * MiB), randomBytes(6 * MiB), randomBytes(6 * MiB)];
    plaintexts.push(...parts);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'b-data', Key: 'multi.bin' }));
    const uploaded = [];
    for (const [index, part] of parts.entries()) {
      const out = await s3.send(new UploadPartCommand({ Bucket: 'b-data', Key: 'multi.bin', UploadId, PartNumber: index + 1, Body: part }));
      uploaded.push({ PartNumber: index + 1, ETag: out.ETag });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'b-data', Key: 'multi.bin', UploadId, MultipartUpload: { Parts: uploaded } }));
    const whole = Buffer.concat(parts);
    assert.ok((await body('multi.bin')).bytes.equals(whole));
    assert.ok((await body('multi.bin', `bytes=${6 * MiB - 10}-${6 * MiB + 9}`)).bytes.equals(whole.subarray(6 * MiB - 10, 6 * MiB + 10)));
    const multiBlob = (await b.store.objects.get('b-data', 'multi.bin'))!.blobKey;
    const stored = await raw.send(new HeadObjectCommand({ Bucket: 'vigil-objects', Key: `site-a/${multiBlob}` }));
    assert.match(stored.ETag!, /-2"$/, 'the sealed blob went up to the store in two parts');
    assert.ok(stored.ContentLength! > whole.length, 'sealed: the frames add their tags');

    const textBlob = (await b.store.objects.get('b-data', 'text.txt'))!.blobKey;
    assert.ok((await storedKeys('buckets/')).includes(`site-a/${textBlob}`));
    await s3.send(new DeleteObjectCommand({ Bucket: 'b-data', Key: 'text.txt' }));
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: 'b-data', Key: 'text.txt' })), { name: 'NoSuchKey' });
    assert.ok(!(await storedKeys('buckets/')).includes(`site-a/${textBlob}`), 'the blob left the store');
    await assert.rejects(stat(join(b.dataDir, 'blobs')), { code: 'ENOENT' });
  });

  test('a dataset import and a short training keep their images and the model in the bucket; the model answers', async () => {
    for (const className of ['normal', 'anomaly']) {
      for (let i = 1; i <= (className === 'normal' ? 20 : 10); i++) plaintexts.push(await readFile(join(ALIENS, className, `${i}.png`)));
    }
    await aliensProject(b);
    const client = b.lookoutVision();
    const model = { ProjectName: 'aliens', ModelVersion: '1' };
    try {
      await client.send(new CreateModelCommand({ ProjectName: 'aliens', OutputConfig: { S3Location: { Bucket: 'aliens' } } }));
      await b.jobs.idle();
      const trained = (await client.send(new DescribeModelCommand(model))).ModelDescription!;
      assert.equal(trained.Status, 'TRAINED', trained.StatusMessage);
      const projectKeys = await storedKeys('projects/aliens/');
      assert.ok(projectKeys.includes('site-a/projects/aliens/models/1/artifact'), projectKeys.join(' '));
      assert.ok(
        projectKeys.some((key) => key.includes('/datasets/')),
        'the imported dataset is in the store',
      );
      await client.send(new StartModelCommand({ ...model, MinInferenceUnits: 1 }));
      await b.jobs.idle();
      const image = await readFile(join(ALIENS, 'anomaly', '45.png'));
      const result = await client.send(new DetectAnomaliesCommand({ ...model, ContentType: 'image/png', Body: image }));
      assert.equal(typeof result.DetectAnomalyResult?.IsAnomalous, 'boolean');
      await client.send(new StopModelCommand(model));
      await b.jobs.idle();
    } finally {
      client.destroy();
    }
  });

  test('restarted on the same bucket, B reads its objects; another installation on that prefix is refused', async () => {
    s3.destroy();
    await b.close();
    b = await startTestVigil({ dataDir: join(dir, 'b'), env: storeEnv });
    s3 = s3Client(b);
    assert.equal((await body('big.bin')).bytes.length, 300_000);
    await assert.rejects(startTestVigil({ env: storeEnv }), /holds the objects of another Vigil installation/);
  });

  test('refused at start: a credentials file others can read, one with two keys, a CA file that is not PEM', async () => {
    const file = storeEnv.VIGIL_BLOB_S3_CREDENTIALS_FILE!;
    await chmod(file, 0o644);
    try {
      await assert.rejects(
        startTestVigil({ env: storeEnv }),
        (error: Error) => /can be read by other users \(mode 644\)/.test(error.message) && !error.message.includes(rgw.credentials.secretAccessKey),
      );
    } finally {
      await chmod(file, 0o600);
    }
    const twoKeys = join(dir, 'two-keys');
    await writeFile(twoKeys, `${await readFile(file, 'utf8')}[other]\naws_access_key_id = X\naws_secret_access_key = Y\n`, { mode: 0o600 });
    await assert.rejects(startTestVigil({ env: { ...storeEnv, VIGIL_BLOB_S3_CREDENTIALS_FILE: twoKeys } }), /must hold exactly one aws_access_key_id/);
    await assert.rejects(startTestVigil({ env: { ...storeEnv, VIGIL_BLOB_S3_CA_FILE: file } }), /holds no PEM certificate/);
    await assert.rejects(startTestVigil({ env: { ...storeEnv, VIGIL_BLOB_S3_BUCKET: 'not-created' } }), /the bucket does not exist/);
  });

  test("neither the store's objects nor Ceph's RADOS pools hold any uploaded plaintext", async () => {
    // A control written unsealed, straight to the store: the scans must find it.
    const control = Buffer.from(`unsealed control ${randomBytes(16).toString('hex')}`);
    await raw.send(new PutObjectCommand({ Bucket: 'vigil-objects', Key: 'control', Body: control }));
    const objects: Buffer[] = [];
    const keys = await storedKeys();
    assert.ok(keys.length > 40, `${keys.length} objects in the store`);
    for (const Key of [...keys, 'control']) {
      const out = await raw.send(new GetObjectCommand({ Bucket: 'vigil-objects', Key }));
      objects.push(Buffer.from(await out.Body!.transformToByteArray()));
    }
    const views = { 'the objects': Buffer.concat(objects), 'the RADOS pools': await rgw.radosData() };
    for (const [name, view] of Object.entries(views)) {
      assert.ok(view.includes(control), `the scan of ${name} finds the control`);
      const found = plaintexts.filter((plaintext) => samplesOf(plaintext).some((sample) => view.includes(sample)));
      assert.equal(found.length, 0, `${found.length} of ${plaintexts.length} plaintexts found in ${name}`);
    }
  });
});
