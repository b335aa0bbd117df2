import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CreateAliasCommand, CreateKeyCommand, DecryptCommand, DisableKeyCommand, EnableKeyCommand, EncryptCommand, RotateKeyOnDemandCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { CreateModelCommand, DescribeModelCommand, DetectAnomaliesCommand, ListDatasetEntriesCommand, StartModelCommand, StopModelCommand } from '@aws-sdk/client-lookoutvision';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ALIENS, aliensProject } from '../helpers/datasets.js';
import { kmsClient } from '../helpers/kms.js';
import { filesUnder, s3Client } from '../helpers/s3.js';
import { startTestVigil, VIGIL_CLI } from '../helpers/vigil.js';

test('a model under a customer key: disabling the key stops it, enabling restores it, deleting the key destroys it for good', async () => {
  // One "day" of the deletion window is one second here.
  const vigil = await startTestVigil({ env: { VIGIL_KMS_DAY_SECONDS: '1' } });
  const client = vigil.lookoutVision();
  const kms = kmsClient(vigil);
  const model = { ProjectName: 'aliens', ModelVersion: '1' };
  const image = await readFile(join(ALIENS, 'anomaly', '45.png'));
  const detect = () => client.send(new DetectAnomaliesCommand({ ...model, ContentType: 'image/png', Body: image }));
  const status = async () => (await client.send(new DescribeModelCommand(model))).ModelDescription!;
  try {
    await aliensProject(vigil);
    const key = (await kms.send(new CreateKeyCommand({ Description: 'aliens models' }))).KeyMetadata!;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/aliens-models', TargetKeyId: key.KeyId }));
    await client.send(new CreateModelCommand({ ProjectName: 'aliens', OutputConfig: { S3Location: { Bucket: 'aliens' } }, KmsKeyId: 'alias/aliens-models' }));
    await vigil.jobs.idle();
    const trained = await status();
    assert.equal(trained.Status, 'TRAINED', trained.StatusMessage);
    assert.equal(trained.KmsKeyId, key.Arn);
    assert.equal(await vigil.blobs.keyIdOf('projects/aliens/models/1/artifact'), key.Arn, 'the artifact is sealed under the customer key');

    // The evaluation written to the output bucket is under the model's key as well.
    const outputs = await vigil.store.objects.list('aliens', { limit: 1000 });
    const evaluation = outputs.filter((object) => /Evaluation(Manifest|Result)-/.test(object.key));
    assert.equal(evaluation.length, 2);
    for (const object of evaluation) assert.equal(await vigil.blobs.keyIdOf(object.blobKey), key.Arn, object.key);

    await client.send(new StartModelCommand({ ...model, MinInferenceUnits: 1 }));
    await vigil.jobs.idle();
    assert.equal(typeof (await detect()).DetectAnomalyResult?.IsAnomalous, 'boolean');

    // Rotation: `vigil keys rewrap` moves the model's data keys to the new key version; the model still loads.
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));
    const rewrap = await promisify(execFile)(process.execPath, [VIGIL_CLI, 'keys', 'rewrap', 'alias/aliens-models', '--data-dir', vigil.dataDir, '--port', String(vigil.port)]);
    assert.match(rewrap.stdout, new RegExp(`^${key.Arn}: 3 data keys rewrapped, 0 format-1 objects left as they are, 0 failed, \\d+ objects examined`));
    await client.send(new StopModelCommand(model));
    await client.send(new StartModelCommand({ ...model, MinInferenceUnits: 1 }));
    await vigil.jobs.idle();
    assert.equal(typeof (await detect()).DetectAnomalyResult?.IsAnomalous, 'boolean');

    await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
    await assert.rejects(detect(), (error: Error) => error.name === 'AccessDeniedException' && error.message.includes(key.Arn!) && /Disabled/.test(error.message));
    await kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));
    assert.equal(typeof (await detect()).DetectAnomalyResult?.IsAnomalous, 'boolean');

    await client.send(new StopModelCommand(model));
    await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
    await client.send(new StartModelCommand({ ...model, MinInferenceUnits: 1 }));
    await vigil.jobs.idle();
    let described = await status();
    assert.equal(described.Status, 'HOSTING_FAILED');
    assert.match(described.StatusMessage ?? '', /is disabled/);
    await kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));

    const sealedMaterial = await Promise.all([1, 2].map(async (version) => (await vigil.store.kmsKeys.getVersion(key.KeyId!, version))!.sealedMaterial));
    const windows = sealedMaterial.flatMap((sealed) => [sealed.subarray(0, 24), sealed.subarray(sealed.length - 24)]);
    const filesHolding = async (window: Buffer) => {
      const holding: string[] = [];
      for (const file of await filesUnder(vigil.dataDir)) if ((await readFile(file)).includes(window)) holding.push(file);
      return holding;
    };
    for (const window of windows) assert.notDeepEqual(await filesHolding(window), [], 'control: the scan finds the material while the key exists');
    const smallCiphertext = (await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('line 3') }))).CiphertextBlob!;
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));
    await new Promise((done) => setTimeout(done, 7_100));
    assert.deepEqual(await vigil.kms.destroyDueKeys(), [key.KeyId]);
    // The key material (sealed under the root key) is gone from every file, WAL and free pages included.
    for (const window of windows) assert.deepEqual(await filesHolding(window), [], 'destroyed key material is still on disk');
    await assert.rejects(kms.send(new DecryptCommand({ CiphertextBlob: smallCiphertext })), { name: 'NotFoundException' });
    const s3 = s3Client(vigil);
    try {
      for (const object of evaluation) {
        await assert.rejects(s3.send(new GetObjectCommand({ Bucket: 'aliens', Key: object.key })), (error: Error) => {
          assert.equal(error.name, 'KMS.NotFoundException', error.message);
          return true;
        });
      }
    } finally {
      s3.destroy();
    }
    await client.send(new StartModelCommand({ ...model, MinInferenceUnits: 1 }));
    await vigil.jobs.idle();
    described = await status();
    assert.equal(described.Status, 'HOSTING_FAILED');
    await assert.rejects(vigil.blobs.getBuffer('projects/aliens/models/1/artifact', { 'vigil:model': trained.ModelArn! }), { name: 'NotFoundException' });

    // Data under other keys is untouched: the dataset copies (service key) still read.
    const entries = await client.send(new ListDatasetEntriesCommand({ ProjectName: 'aliens', DatasetType: 'train' }));
    assert.equal(entries.DatasetEntries?.length, 30);
  } finally {
    client.destroy();
    kms.destroy();
    await vigil.stop();
  }
});
