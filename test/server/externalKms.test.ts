import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateAliasCommand, CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, type KMSClient, ListKeysCommand, RotateKeyOnDemandCommand } from '@aws-sdk/client-kms';
import { CreateModelCommand, DescribeModelCommand, DetectAnomaliesCommand, StartModelCommand, StopModelCommand } from '@aws-sdk/client-lookoutvision';
import { CreateBucketCommand, GetBucketEncryptionCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ConfigError, loadConfig } from '../../src/config.js';
import { ExternalKms } from '../../src/crypto/externalKms.js';
import { KmsError } from '../../src/crypto/kmsErrors.js';
import { ALIENS, aliensProject } from '../helpers/datasets.js';
import { kmsClient } from '../helpers/kms.js';
import { s3Client } from '../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

/** The env that points a Vigil at another Vigil's KMS. */
function externalEnv(a: TestVigil, defaultKeyId: string, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    VIGIL_KMS_ENDPOINT: a.endpoint,
    VIGIL_KMS_ACCESS_KEY_ID: a.rootAccessKey.accessKeyId,
    VIGIL_KMS_SECRET_ACCESS_KEY: a.rootAccessKey.secretAccessKey,
    VIGIL_KMS_CA_FILE: a.tls.certPath,
    VIGIL_KMS_DEFAULT_KEY_ID: defaultKeyId,
    ...overrides,
  };
}

async function text(s3: S3Client, bucket: string, key: string): Promise<string> {
  return (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
}

/** A loopback port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('configuration of an external KMS', () => {
  const base = { dataDir: '/tmp/x', port: 0 };
  test('endpoint, region, credentials, CA file and default key from VIGIL_KMS_*', () => {
    const config = loadConfig(base, {
      VIGIL_KMS_ENDPOINT: 'https://kms.example:8443',
      VIGIL_KMS_ACCESS_KEY_ID: 'AKID',
      VIGIL_KMS_SECRET_ACCESS_KEY: 'SECRET',
      VIGIL_KMS_CA_FILE: 'ca.pem',
      VIGIL_KMS_DEFAULT_KEY_ID: 'alias/vigil',
    });
    assert.equal(config.kmsEndpoint, 'https://kms.example:8443');
    assert.equal(config.kmsRegion, 'us-east-1', "the region defaults to Vigil's");
    assert.equal(config.kmsAccessKeyId, 'AKID');
    assert.equal(config.kmsCaFile, join(process.cwd(), 'ca.pem'));
    assert.equal(config.kmsDefaultKeyId, 'alias/vigil');
    assert.equal(loadConfig(base, {}).kmsEndpoint, undefined);
  });

  test('refused: no default key, half the credentials, a non-https or decorated URL, settings without an endpoint', () => {
    const env = { VIGIL_KMS_ENDPOINT: 'https://kms.example', VIGIL_KMS_DEFAULT_KEY_ID: 'k' };
    assert.throws(() => loadConfig(base, { VIGIL_KMS_ENDPOINT: 'https://kms.example' }), /VIGIL_KMS_DEFAULT_KEY_ID\) is required/);
    assert.throws(
      () => loadConfig(base, { ...env, VIGIL_KMS_SECRET_ACCESS_KEY: 'hunter2' }),
      (error: Error) => error instanceof ConfigError && /give both kmsAccessKeyId and kmsSecretAccessKey/.test(error.message) && !error.message.includes('hunter2'),
    );
    assert.throws(() => loadConfig(base, { ...env, VIGIL_KMS_ENDPOINT: 'http://kms.example' }), /must be an https URL/);
    assert.throws(
      () => loadConfig(base, { ...env, VIGIL_KMS_ENDPOINT: 'https://user:hunter2@kms.example/' }),
      (error: Error) => /without path, query or user information/.test(error.message) && !error.message.includes('hunter2'),
    );
    assert.throws(() => loadConfig(base, { ...env, VIGIL_KMS_ENDPOINT: 'https://kms.example/kms' }), /without path/);
    assert.throws(() => loadConfig(base, { ...env, VIGIL_KMS_REGION: 'mars' }), /kmsRegion mars is not a region name/);
    assert.throws(() => loadConfig(base, { VIGIL_KMS_DEFAULT_KEY_ID: 'k' }), /apply only with kmsEndpoint/);
  });
});

describe("Vigil B protects its data with Vigil A's KMS", () => {
  let aDir: string;
  let a: TestVigil;
  let b: TestVigil;
  let kmsA: KMSClient;
  let s3: S3Client;
  let dataKey: { KeyId?: string; Arn?: string };
  let objectKey: { KeyId?: string; Arn?: string };
  const scratch: string[] = [];

  before(async () => {
    aDir = await mkdtemp(join(tmpdir(), 'vigil-kms-a-'));
    a = await startTestVigil({ dataDir: aDir });
    kmsA = kmsClient(a);
    dataKey = (await kmsA.send(new CreateKeyCommand({ Description: 'B default' }))).KeyMetadata!;
    objectKey = (await kmsA.send(new CreateKeyCommand({ Description: 'B objects' }))).KeyMetadata!;
    await kmsA.send(new CreateAliasCommand({ AliasName: 'alias/b-objects', TargetKeyId: objectKey.KeyId }));
    b = await startTestVigil({ env: externalEnv(a, dataKey.KeyId!) });
    s3 = s3Client(b);
    await s3.send(new CreateBucketCommand({ Bucket: 'b-data' }));
  });

  after(async () => {
    s3?.destroy();
    kmsA?.destroy();
    await b?.stop();
    await a?.stop().catch(() => undefined);
    await rm(aDir, { recursive: true, force: true });
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  });

  test("objects under the default key and under SSE-KMS with an alias are sealed under A's keys", async () => {
    assert.ok(b.externalKms, 'B uses an external KMS');
    assert.equal(b.externalKms.defaultKeyId, dataKey.Arn, 'the default key is named by its ARN on A');
    assert.ok(dataKey.Arn!.includes(`:${a.accountId}:key/`), 'the key belongs to A');
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'b-data' }));
    assert.equal(encryption.ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault?.KMSMasterKeyID, dataKey.Arn);

    const plain = await s3.send(new PutObjectCommand({ Bucket: 'b-data', Key: 'plain.txt', Body: 'under the default key' }));
    assert.equal(plain.SSEKMSKeyId, dataKey.Arn);
    const secret = await s3.send(new PutObjectCommand({ Bucket: 'b-data', Key: 'secret.txt', Body: 'under the alias', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/b-objects' }));
    assert.equal(secret.SSEKMSKeyId, objectKey.Arn);
    const big = Buffer.alloc(300_000, 7);
    await s3.send(new PutObjectCommand({ Bucket: 'b-data', Key: 'big.bin', Body: big, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/b-objects' }));

    assert.equal(await text(s3, 'b-data', 'plain.txt'), 'under the default key');
    assert.equal(await text(s3, 'b-data', 'secret.txt'), 'under the alias');
    const read = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'b-data', Key: 'big.bin' }))).Body!.transformToByteArray());
    assert.ok(read.equals(big));

    assert.equal(await b.blobs.keyIdOf((await b.store.objects.get('b-data', 'plain.txt'))!.blobKey), dataKey.Arn);
    assert.equal(await b.blobs.keyIdOf((await b.store.objects.get('b-data', 'secret.txt'))!.blobKey), objectKey.Arn);
    await assert.rejects(b.kms.describeKey(dataKey.Arn!), { name: 'NotFoundException' }, "B's embedded KMS does not hold A's key");

    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: 'b-data', Key: 'x', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/not-on-a' })), { name: 'KMS.NotFoundException' });
  });

  test("a model's KmsKeyId must name a key of the external KMS", async () => {
    const client = b.lookoutVision();
    try {
      const { CreateProjectCommand } = await import('@aws-sdk/client-lookoutvision');
      await client.send(new CreateProjectCommand({ ProjectName: 'kms-check' }));
      await assert.rejects(
        client.send(new CreateModelCommand({ ProjectName: 'kms-check', OutputConfig: { S3Location: { Bucket: 'b-data' } }, KmsKeyId: 'alias/not-on-a' })),
        (error: Error) => error.name === 'ValidationException' && /alias\/not-on-a/.test(error.message),
      );
    } finally {
      client.destroy();
    }
  });

  test('a model under a key of the external KMS trains and answers, and stops answering while that key is disabled', async () => {
    const modelKey = (await kmsA.send(new CreateKeyCommand({ Description: 'B models' }))).KeyMetadata!;
    await kmsA.send(new CreateAliasCommand({ AliasName: 'alias/b-models', TargetKeyId: modelKey.KeyId }));
    await aliensProject(b);
    const client = b.lookoutVision();
    const model = { ProjectName: 'aliens', ModelVersion: '1' };
    const image = await readFile(join(ALIENS, 'anomaly', '45.png'));
    const detect = () => client.send(new DetectAnomaliesCommand({ ...model, ContentType: 'image/png', Body: image }));
    try {
      await client.send(new CreateModelCommand({ ProjectName: 'aliens', OutputConfig: { S3Location: { Bucket: 'aliens' } }, KmsKeyId: 'alias/b-models' }));
      await b.jobs.idle();
      const trained = (await client.send(new DescribeModelCommand(model))).ModelDescription!;
      assert.equal(trained.Status, 'TRAINED', trained.StatusMessage);
      assert.equal(trained.KmsKeyId, modelKey.Arn);
      assert.equal(await b.blobs.keyIdOf('projects/aliens/models/1/artifact'), modelKey.Arn, "the artifact is sealed under A's key");

      await client.send(new StartModelCommand({ ...model, MinInferenceUnits: 1 }));
      await b.jobs.idle();
      assert.equal(typeof (await detect()).DetectAnomalyResult?.IsAnomalous, 'boolean');
      await kmsA.send(new DisableKeyCommand({ KeyId: modelKey.KeyId }));
      try {
        await assert.rejects(detect(), (error: Error) => error.name === 'AccessDeniedException' && error.message.includes(modelKey.Arn!) && /Disabled/.test(error.message));
      } finally {
        await kmsA.send(new EnableKeyCommand({ KeyId: modelKey.KeyId }));
      }
      assert.equal(typeof (await detect()).DetectAnomalyResult?.IsAnomalous, 'boolean');
      await client.send(new StopModelCommand(model));
    } finally {
      client.destroy();
    }
  });

  test('disabling a key on A stops B reading and writing under it, and nothing else; enabling restores it', async () => {
    await kmsA.send(new DisableKeyCommand({ KeyId: objectKey.KeyId }));
    try {
      await assert.rejects(
        s3.send(new GetObjectCommand({ Bucket: 'b-data', Key: 'secret.txt' })),
        (error: Error) => error.name === 'KMS.DisabledException' && error.message.includes(objectKey.Arn!) && /disabled/.test(error.message),
      );
      await assert.rejects(s3.send(new PutObjectCommand({ Bucket: 'b-data', Key: 'y', Body: 'y', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/b-objects' })), {
        name: 'KMS.DisabledException',
      });
      assert.equal(await text(s3, 'b-data', 'plain.txt'), 'under the default key', 'data under the other key is untouched');
      await s3.send(new PutObjectCommand({ Bucket: 'b-data', Key: 'during.txt', Body: 'written while the other key was off' }));
      assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'b-data', Key: 'secret.txt' }))).SSEKMSKeyId, objectKey.Arn, 'metadata stays readable');
    } finally {
      await kmsA.send(new EnableKeyCommand({ KeyId: objectKey.KeyId }));
    }
    assert.equal(await text(s3, 'b-data', 'secret.txt'), 'under the alias');
  });

  test('rewrapping a data key through the external KMS keeps it under its key, at the newest version', async () => {
    const kms = b.externalKms!;
    const context = { purpose: 'rewrap test' };
    const generated = await kms.generateDataKey('alias/b-objects', context);
    assert.equal(generated.keyId, objectKey.Arn);
    await kmsA.send(new RotateKeyOnDemandCommand({ KeyId: objectKey.KeyId }));
    const rewrapped = await kms.reEncryptDataKey(generated.ciphertextBlob, context, objectKey.Arn);
    assert.equal(rewrapped.keyId, objectKey.Arn);
    assert.ok(!rewrapped.ciphertextBlob.equals(generated.ciphertextBlob));
    assert.ok((await kms.decryptDataKey(rewrapped.ciphertextBlob, context)).plaintext.equals(generated.plaintext));
    // Without the key's ARN, ExternalKms learns it first.
    const again = await kms.reEncryptDataKey(generated.ciphertextBlob, context);
    assert.equal(again.keyId, objectKey.Arn);
    // A header that names another key than the one that wrapped the data key is refused.
    await assert.rejects(kms.reEncryptDataKey(generated.ciphertextBlob, context, dataKey.Arn), { name: 'IncorrectKeyException' });
    await assert.rejects(kms.decryptDataKey(rewrapped.ciphertextBlob, { purpose: 'other' }), { name: 'InvalidCiphertextException' });
    await assert.rejects(kms.describeKey('alias/none'), (error: Error) => error instanceof KmsError && error.name === 'NotFoundException');
  });

  test('vigil keys rewrap through the external KMS: objects under the rotated key are rewrapped and stay readable', async () => {
    await kmsA.send(new RotateKeyOnDemandCommand({ KeyId: objectKey.KeyId }));
    const report = await b.services.keyRewrap.run('alias/b-objects', { maxObjects: 10_000 });
    assert.equal(report.keyArn, objectKey.Arn);
    assert.equal(report.rewrapped, 2, 'secret.txt and big.bin');
    assert.deepEqual(report.failed, []);
    assert.equal(await text(s3, 'b-data', 'secret.txt'), 'under the alias');
    assert.equal(await text(s3, 'b-data', 'plain.txt'), 'under the default key');
  });

  test("B's own KMS API refuses key operations and names the external KMS", async () => {
    const kmsB = kmsClient(b);
    try {
      for (const send of [() => kmsB.send(new CreateKeyCommand({})), () => kmsB.send(new ListKeysCommand({}))]) {
        await assert.rejects(send(), (error: Error) => error.name === 'UnsupportedOperationException' && error.message.includes(a.endpoint));
      }
      // Unsigned or wrongly signed requests are still refused as such.
      const stranger = kmsClient(b, { accessKeyId: 'AKIDSTRANGER', secretAccessKey: 'x' });
      await assert.rejects(stranger.send(new ListKeysCommand({})), { name: 'UnrecognizedClientException' });
      stranger.destroy();
    } finally {
      kmsB.destroy();
    }
  });

  test("A down: B's reads fail fast with ServiceUnavailable naming A; A back on its data: nothing lost", async () => {
    await a.close();
    const started = Date.now();
    await assert.rejects(
      s3.send(new GetObjectCommand({ Bucket: 'b-data', Key: 'plain.txt' })),
      (error: Error) => error.name === 'ServiceUnavailable' && error.message.includes(a.endpoint) && /cannot be reached/.test(error.message),
    );
    assert.ok(Date.now() - started < 10_000, `failed in ${Date.now() - started} ms`);
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: 'b-data', Key: 'z', Body: 'z' })), { name: 'ServiceUnavailable' });
    const client = b.lookoutVision();
    try {
      await assert.rejects(
        client.send(new CreateModelCommand({ ProjectName: 'kms-check', OutputConfig: { S3Location: { Bucket: 'b-data' } }, KmsKeyId: 'alias/b-objects' })),
        (error: Error) => error.name === 'InternalServerException' && error.message.includes(a.endpoint),
      );
    } finally {
      client.destroy();
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'b-data' }));
    assert.deepEqual(listed.Contents?.map((o) => o.Key).sort(), ['big.bin', 'during.txt', 'plain.txt', 'secret.txt'], 'metadata stays available');

    a = await startTestVigil({ dataDir: aDir, port: a.port });
    kmsA.destroy();
    kmsA = kmsClient(a);
    assert.equal(await text(s3, 'b-data', 'plain.txt'), 'under the default key');
    assert.equal(await text(s3, 'b-data', 'secret.txt'), 'under the alias');
    assert.equal(await text(s3, 'b-data', 'during.txt'), 'written while the other key was off');
    await s3.send(new PutObjectCommand({ Bucket: 'b-data', Key: 'after.txt', Body: 'after the restart' }));
    assert.equal(await text(s3, 'b-data', 'after.txt'), 'after the restart');
  });

  test('B refuses to start: wrong credentials, untrusted certificate, unknown or disabled default key, unreachable KMS', async () => {
    const attempt = async (env: NodeJS.ProcessEnv) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'vigil-kms-b-'));
      scratch.push(dataDir);
      const vigil = await startTestVigil({ dataDir, env }).catch((error: Error) => error);
      if (!(vigil instanceof Error)) {
        await vigil.stop();
        assert.fail('B started');
      }
      assert.ok(!vigil.message.includes(a.rootAccessKey.secretAccessKey), 'no secret in the message');
      return vigil.message;
    };
    assert.match(await attempt(externalEnv(a, dataKey.KeyId!, { VIGIL_KMS_SECRET_ACCESS_KEY: 'wrong-secret' })), /refused Vigil's credentials/);
    assert.match(await attempt(externalEnv(a, dataKey.KeyId!, { VIGIL_KMS_ACCESS_KEY_ID: 'AKIDUNKNOWN' })), /refused Vigil's credentials/);
    const otherCa = join(scratch[0], 'other-ca.pem');
    const other = await startTestVigil();
    try {
      await writeFile(otherCa, other.tls.cert);
    } finally {
      await other.stop();
    }
    const { VIGIL_KMS_CA_FILE: _ca, ...withoutCa } = externalEnv(a, dataKey.KeyId!);
    assert.match(await attempt(withoutCa), /failed the TLS check .*VIGIL_KMS_CA_FILE/);
    assert.match(await attempt(externalEnv(a, dataKey.KeyId!, { VIGIL_KMS_CA_FILE: otherCa })), /failed the TLS check/);
    assert.match(await attempt(externalEnv(a, dataKey.KeyId!, { VIGIL_KMS_CA_FILE: join(scratch[0], 'missing.pem') })), /cannot read the KMS CA file/);
    assert.match(await attempt(externalEnv(a, 'alias/nothing-here')), new RegExp(`cannot use alias/nothing-here of the external KMS at ${a.endpoint} as the default key: .*does not exist`));
    await kmsA.send(new DisableKeyCommand({ KeyId: dataKey.KeyId }));
    try {
      assert.match(await attempt(externalEnv(a, dataKey.KeyId!)), new RegExp(`${dataKey.Arn} at ${a.endpoint} is Disabled; it must be Enabled`));
    } finally {
      await kmsA.send(new EnableKeyCommand({ KeyId: dataKey.KeyId }));
    }
    const started = Date.now();
    const dead = `https://127.0.0.1:${await deadPort()}`;
    assert.match(await attempt(externalEnv(a, dataKey.KeyId!, { VIGIL_KMS_ENDPOINT: dead })), new RegExp(`KMS at ${dead} cannot be reached \\(ECONNREFUSED`));
    assert.ok(Date.now() - started < 10_000);
  });

  test('ExternalKms.open checks the endpoint itself', async () => {
    await assert.rejects(ExternalKms.open({ endpoint: 'http://127.0.0.1:1', region: 'us-east-1', defaultKeyId: 'k' }), /must be an https URL/);
  });

  test('a KMS that accepts connections but never answers fails within the bounded tries', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const started = Date.now();
      await assert.rejects(
        ExternalKms.open({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, defaultKeyId: 'k', requestTimeoutMs: 500, maxAttempts: 2 }),
        new RegExp(`KMS at ${endpoint} did not answer in time .*500 ms`),
      );
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 900 && elapsed < 5000, `gave up after ${elapsed} ms`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
