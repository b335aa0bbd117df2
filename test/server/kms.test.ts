import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GetKeyRotationStatusCommand,
  type KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ReEncryptCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { kmsClient } from '../helpers/kms.js';
import { rejects } from '../helpers/rejects.js';
import { awsCli, awsCliSkip } from '../helpers/s3.js';
import { sendSigned } from '../helpers/signedRequest.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

describe('the KMS API (AWS KMS JSON protocol)', () => {
  let vigil: TestVigil;
  let kms: KMSClient;
  let keyId: string;
  const context = { project: 'p1', purpose: 'test' };

  before(async () => {
    vigil = await startTestVigil();
    kms = kmsClient(vigil);
  });
  after(async () => {
    kms.destroy();
    await vigil.stop();
  });

  test('keys are created, described by id, ARN, alias name and alias ARN, and listed without the service key', async () => {
    const created = await kms.send(new CreateKeyCommand({ Description: 'line 3 images' }));
    const metadata = created.KeyMetadata!;
    keyId = metadata.KeyId!;
    assert.equal(metadata.KeyManager, 'CUSTOMER');
    assert.equal(metadata.KeyState, 'Enabled');
    assert.equal(metadata.KeyUsage, 'ENCRYPT_DECRYPT');
    assert.equal(metadata.Arn, `arn:aws:kms:us-east-1:${vigil.accountId}:key/${keyId}`);
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/line3', TargetKeyId: keyId }));
    for (const id of [keyId, metadata.Arn!, 'alias/line3', `arn:aws:kms:us-east-1:${vigil.accountId}:alias/line3`]) {
      assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata?.KeyId, keyId, id);
    }
    assert.deepEqual((await kms.send(new ListKeysCommand({}))).Keys, [{ KeyId: keyId, KeyArn: metadata.Arn }]);
    const aliases = (await kms.send(new ListAliasesCommand({}))).Aliases!;
    assert.deepEqual(
      aliases.map((a) => [a.AliasName, a.TargetKeyId]),
      [['alias/line3', keyId]],
    );
    await rejects(kms.send(new CreateAliasCommand({ AliasName: 'alias/line3', TargetKeyId: keyId })), 'AlreadyExistsException');
    await rejects(kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/mine', TargetKeyId: keyId })), 'InvalidAliasNameException', /reserved/);
    for (const AliasName of ['no-prefix', 'alias/has space', 'alias/']) {
      await rejects(kms.send(new CreateAliasCommand({ AliasName, TargetKeyId: keyId })), 'InvalidAliasNameException');
    }
    assert.ok(!(await kms.send(new ListAliasesCommand({}))).Aliases?.some((a) => a.AliasName === 'no-prefix' || a.AliasName === 'alias/aws/mine'), 'a refused alias is not created');
    await rejects(kms.send(new DescribeKeyCommand({ KeyId: 'alias/none' })), 'NotFoundException');
    await rejects(kms.send(new CreateKeyCommand({ KeyUsage: 'SIGN_VERIFY' })), 'ValidationException');
  });

  test('data keys and ciphertexts open only under their exact encryption context', async () => {
    const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: 'alias/line3', KeySpec: 'AES_256', EncryptionContext: context }));
    assert.equal(dataKey.Plaintext?.length, 32);
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: { purpose: 'test', project: 'p1' } }));
    assert.deepEqual(Buffer.from(opened.Plaintext!), Buffer.from(dataKey.Plaintext!));
    assert.match(opened.KeyId!, new RegExp(`key/${keyId}$`));
    await rejects(kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: { project: 'p2', purpose: 'test' } })), 'InvalidCiphertextException');
    await rejects(kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob })), 'InvalidCiphertextException');
    const withoutPlaintext = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, KeySpec: 'AES_256' }));
    assert.equal('Plaintext' in withoutPlaintext, false);
    assert.ok(withoutPlaintext.CiphertextBlob?.length);
    // Data keys of any size AWS allows: AES_128, AES_256 and NumberOfBytes 1 to 1024 (each opens under its context).
    for (const [request, size] of [
      [{ KeySpec: 'AES_128' }, 16],
      [{ NumberOfBytes: 1 }, 1],
      [{ NumberOfBytes: 1024 }, 1024],
    ] as const) {
      const key = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, EncryptionContext: context, ...request }));
      assert.equal(key.Plaintext?.length, size);
      const reopened = await kms.send(new DecryptCommand({ CiphertextBlob: key.CiphertextBlob, EncryptionContext: context }));
      assert.deepEqual(Buffer.from(reopened.Plaintext!), Buffer.from(key.Plaintext!));
    }
    assert.equal((await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, NumberOfBytes: 64 }))).CiphertextBlob?.length !== undefined, true);
    for (const request of [{ NumberOfBytes: 0 }, { NumberOfBytes: 1025 }, {}, { KeySpec: 'AES_256' as const, NumberOfBytes: 32 }]) {
      await rejects(kms.send(new GenerateDataKeyCommand({ KeyId: keyId, ...request })), 'ValidationException');
    }

    const secret = Buffer.from('a value a user protects');
    const encrypted = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: secret, EncryptionContext: context }));
    await rejects(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.alloc(4097) })), 'ValidationException');
    const other = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await rejects(kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: context, KeyId: other.KeyId })), 'IncorrectKeyException');
    const moved = await kms.send(new ReEncryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, SourceEncryptionContext: context, DestinationKeyId: other.KeyId, DestinationEncryptionContext: {} }));
    assert.equal(moved.KeyId, other.Arn);
    assert.deepEqual(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob }))).Plaintext!), secret);
  });

  test('rotation keeps old ciphertexts readable; disabled and pending-deletion keys refuse; the service key cannot be changed', async () => {
    const before = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('before rotation') }));
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    assert.equal(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }))).Plaintext!).toString(), 'before rotation');

    await kms.send(new DisableKeyCommand({ KeyId: 'alias/line3' }));
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.Enabled, false);
    await rejects(kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob })), 'DisabledException');
    await kms.send(new EnableKeyCommand({ KeyId: keyId }));

    await rejects(kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 6 })), 'ValidationException');
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    assert.equal(scheduled.KeyState, 'PendingDeletion');
    assert.ok(scheduled.DeletionDate!.getTime() > Date.now() + 6.9 * 86_400_000);
    await rejects(kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob })), 'KMSInvalidStateException');
    await kms.send(new CancelKeyDeletionCommand({ KeyId: keyId }));
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState, 'Disabled');
    await kms.send(new EnableKeyCommand({ KeyId: keyId }));

    for (const command of [new DisableKeyCommand({ KeyId: vigil.kms.defaultKeyId }), new ScheduleKeyDeletionCommand({ KeyId: 'alias/aws/lookoutvision' })]) {
      await rejects(kms.send(command as DisableKeyCommand), 'AccessDeniedException');
    }
    await kms.send(new DeleteAliasCommand({ AliasName: 'alias/line3' }));
    await rejects(kms.send(new DeleteAliasCommand({ AliasName: 'alias/line3' })), 'NotFoundException');
  });

  test('automatic rotation runs on its schedule, keeps old ciphertexts readable, and can be turned off; aliases move', async () => {
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const old = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('old material') }));
    await rejects(kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: 89 })), 'ValidationException');
    await kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: 90 }));
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }));
    assert.equal(status.KeyRotationEnabled, true);
    assert.equal(status.RotationPeriodInDays, 90);
    const next = status.NextRotationDate!.getTime();
    assert.ok(Math.abs(next - (Date.now() + 90 * 86_400_000)) < 60_000);

    assert.deepEqual(await vigil.kms.rotateDueKeys(new Date(next - 1000)), []);
    assert.deepEqual(await vigil.kms.rotateDueKeys(new Date(next)), [key.KeyId]);
    assert.equal((await vigil.kms.describeKey(key.KeyId!)).currentVersion, 2);
    assert.equal((await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }))).NextRotationDate!.getTime(), next + 90 * 86_400_000);
    assert.equal(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: old.CiphertextBlob }))).Plaintext!).toString(), 'old material');
    await kms.send(new DisableKeyRotationCommand({ KeyId: key.KeyId }));
    assert.equal((await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }))).KeyRotationEnabled, false);
    await rejects(kms.send(new EnableKeyRotationCommand({ KeyId: vigil.kms.defaultKeyId })), 'AccessDeniedException');

    await kms.send(new CreateAliasCommand({ AliasName: 'alias/moving', TargetKeyId: keyId }));
    await kms.send(new UpdateAliasCommand({ AliasName: 'alias/moving', TargetKeyId: key.KeyId }));
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: 'alias/moving' }))).KeyMetadata?.KeyId, key.KeyId);
    await rejects(kms.send(new UpdateAliasCommand({ AliasName: 'alias/none', TargetKeyId: key.KeyId })), 'NotFoundException');
  });

  test('keys carry tags: added, replaced, listed and removed, within the limits', async () => {
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await kms.send(
      new TagResourceCommand({
        KeyId: key.KeyId,
        Tags: [
          { TagKey: 'line', TagValue: '3' },
          { TagKey: 'owner', TagValue: 'qa' },
        ],
      }),
    );
    await kms.send(new TagResourceCommand({ KeyId: key.Arn, Tags: [{ TagKey: 'line', TagValue: '4' }] }));
    assert.deepEqual((await kms.send(new ListResourceTagsCommand({ KeyId: key.KeyId }))).Tags, [
      { TagKey: 'line', TagValue: '4' },
      { TagKey: 'owner', TagValue: 'qa' },
    ]);
    await kms.send(new UntagResourceCommand({ KeyId: key.KeyId, TagKeys: ['owner'] }));
    assert.deepEqual((await kms.send(new ListResourceTagsCommand({ KeyId: key.KeyId }))).Tags, [{ TagKey: 'line', TagValue: '4' }]);
    await rejects(kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: [{ TagKey: 'aws:reserved', TagValue: 'x' }] })), 'ValidationException');
    const many = Array.from({ length: 50 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' }));
    await rejects(kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: many })), 'LimitExceededException');
    assert.equal((await kms.send(new ListResourceTagsCommand({ KeyId: key.KeyId }))).Tags?.length, 1, 'a refused request changes nothing');
  });

  test('unsupported operations, bad JSON and bad signatures answer in the KMS error shape', async () => {
    const call = (target: string, body: string, secretAccessKey = vigil.rootAccessKey.secretAccessKey) =>
      sendSigned(vigil.endpoint, vigil.tls.cert, {
        method: 'POST',
        path: '/',
        service: 'kms',
        credentials: { ...vigil.rootAccessKey, secretAccessKey },
        headers: { 'x-amz-target': `TrentService.${target}`, 'content-type': 'application/x-amz-json-1.1' },
        body,
      });
    const unsupported = await call('Sign', '{}');
    assert.equal(unsupported.status, 400);
    assert.equal(unsupported.json().__type, 'UnsupportedOperationException');
    assert.equal((await call('ListKeys', '{not json')).json().__type, 'SerializationException');
    assert.equal((await call('ListKeys', 'null')).json().__type, 'SerializationException');
    const refused = await call('ListKeys', '{}', 'wrong'.repeat(8));
    assert.equal(refused.status, 403);
    assert.equal(refused.json().__type, 'InvalidSignatureException');
  });

  test('the AWS CLI manages keys and encrypts with them', { skip: awsCliSkip }, async () => {
    const cli = async (...args: string[]) => JSON.parse((await awsCli(vigil, ['kms', ...args])).stdout || '{}');
    const key = (await cli('create-key', '--description', 'from the cli')).KeyMetadata;
    await cli('create-alias', '--alias-name', 'alias/cli', '--target-key-id', key.KeyId);
    assert.equal((await cli('describe-key', '--key-id', 'alias/cli')).KeyMetadata.Description, 'from the cli');
    const plaintextFile = join(vigil.dataDir, 'plain.txt');
    await writeFile(plaintextFile, 'cli secret');
    const encrypted = await cli('encrypt', '--key-id', 'alias/cli', '--plaintext', `fileb://${plaintextFile}`);
    const blobFile = join(vigil.dataDir, 'blob.bin');
    await writeFile(blobFile, Buffer.from(encrypted.CiphertextBlob, 'base64'));
    const decrypted = await cli('decrypt', '--ciphertext-blob', `fileb://${blobFile}`);
    assert.equal(Buffer.from(decrypted.Plaintext, 'base64').toString(), 'cli secret');
    const keys = await cli('list-keys');
    assert.ok(keys.Keys.some((k: { KeyId: string }) => k.KeyId === key.KeyId));
  });
});
