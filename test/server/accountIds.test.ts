import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { CreateModelCommand } from '@aws-sdk/client-lookoutvision';
import { CopyObjectCommand, CreateBucketCommand, GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { aliensProject } from '../helpers/datasets.js';
import { kmsClient } from '../helpers/kms.js';
import { rejects } from '../helpers/rejects.js';
import { bucketBlobFiles, s3Client } from '../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

const BUCKET = 'owned';

/** An account id that is not this installation's. */
function otherAccount(accountId: string): string {
  return accountId === '111122223333' ? '444455556666' : '111122223333';
}

describe('account ids and regions are checked', () => {
  let vigil: TestVigil;
  let s3: S3Client;
  let kms: KMSClient;

  before(async () => {
    vigil = await startTestVigil();
    s3 = s3Client(vigil);
    kms = kmsClient(vigil);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'kept', Body: 'original' }));
  });
  after(async () => {
    s3.destroy();
    kms.destroy();
    await vigil.stop();
  });

  test('S3: x-amz-expected-bucket-owner naming another account is AccessDenied and changes nothing; the own account passes', async () => {
    const other = otherAccount(vigil.accountId);
    const blobs = (await bucketBlobFiles(vigil)).length;
    await rejects(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'kept', ExpectedBucketOwner: other })), 'AccessDenied', 403);
    await rejects(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'kept', Body: 'replaced', ExpectedBucketOwner: other })), 'AccessDenied', 403);
    await rejects(s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ExpectedBucketOwner: other })), 'AccessDenied', 403);
    await rejects(s3.send(new HeadBucketCommand({ Bucket: BUCKET, ExpectedBucketOwner: other })), '403', 403);
    await rejects(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy', CopySource: `${BUCKET}/kept`, ExpectedSourceBucketOwner: other })), 'AccessDenied', 403);
    await rejects(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'kept', Body: 'replaced', ExpectedBucketOwner: 'not-an-account' })), 'AccessDenied', 403);
    assert.equal((await bucketBlobFiles(vigil)).length, blobs, 'a refused PUT stores nothing');
    const kept = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'kept', ExpectedBucketOwner: vigil.accountId }));
    assert.equal(await kept.Body!.transformToString(), 'original');
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy', CopySource: `${BUCKET}/kept`, ExpectedBucketOwner: vigil.accountId, ExpectedSourceBucketOwner: vigil.accountId }));
  });

  test('KMS: a key ARN or alias ARN of another account or region is NotFoundException, also through CreateModel', async () => {
    const key = (await kms.send(new CreateKeyCommand({ Description: 'account check' }))).KeyMetadata!;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/account-check', TargetKeyId: key.KeyId }));
    const region = key.Arn!.split(':')[3];
    const keyArn = (r: string, account: string) => `arn:aws:kms:${r}:${account}:key/${key.KeyId}`;
    const aliasArn = (r: string, account: string) => `arn:aws:kms:${r}:${account}:alias/account-check`;
    const otherRegion = region === 'eu-west-1' ? 'us-west-2' : 'eu-west-1';
    const other = otherAccount(vigil.accountId);

    assert.equal(key.Arn, keyArn(region, vigil.accountId));
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: keyArn(region, vigil.accountId) }))).KeyMetadata!.KeyId, key.KeyId);
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: aliasArn(region, vigil.accountId) }))).KeyMetadata!.KeyId, key.KeyId);
    for (const foreign of [keyArn(region, other), keyArn(otherRegion, vigil.accountId), aliasArn(region, other), aliasArn(otherRegion, vigil.accountId)]) {
      await rejects(kms.send(new DescribeKeyCommand({ KeyId: foreign })), 'NotFoundException', 400);
      await rejects(kms.send(new EncryptCommand({ KeyId: foreign, Plaintext: Buffer.from('secret') })), 'NotFoundException', 400);
    }

    // S3 server-side encryption names keys the same way: another account's key, or its alias/aws/s3, is KMS.NotFoundException.
    const sse = (SSEKMSKeyId: string) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'sealed', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId }));
    for (const foreign of [keyArn(region, other), `arn:aws:kms:${region}:${other}:alias/aws/s3`, `arn:aws:kms:${otherRegion}:${vigil.accountId}:alias/aws/s3`]) {
      await rejects(sse(foreign), 'KMS.NotFoundException', 400);
    }
    assert.equal((await sse(keyArn(region, vigil.accountId))).SSEKMSKeyId, key.Arn);
    assert.equal((await sse(`arn:aws:kms:${region}:${vigil.accountId}:alias/aws/s3`)).ServerSideEncryption, 'aws:kms');

    // CreateModel: a foreign key ARN is refused (by name, not for want of images), the installation's own accepted.
    await aliensProject(vigil);
    const client = vigil.lookoutVision();
    const createModel = (KmsKeyId: string) => client.send(new CreateModelCommand({ ProjectName: 'aliens', OutputConfig: { S3Location: { Bucket: BUCKET } }, KmsKeyId }));
    for (const foreign of [keyArn(region, other), keyArn(otherRegion, vigil.accountId), aliasArn(region, other)]) {
      await rejects(createModel(foreign), 'ValidationException', /does not name a key of this installation/);
    }
    const accepted = await createModel(keyArn(region, vigil.accountId));
    assert.equal(accepted.ModelMetadata!.Status, 'TRAINING');
    assert.equal(accepted.ModelMetadata!.ModelVersion, '1', 'the refused calls created no model');
    await vigil.jobs.idle();
    client.destroy();
  });
});
