import {
  CreateModelCommand,
  DescribeModelCommand,
  DetectAnomaliesCommand,
  ListDatasetEntriesCommand,
  StartModelCommand,
  StopModelCommand,
} from '@aws-sdk/client-lookoutvision';
import { CreateAliasCommand, CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { ALIENS, aliensProject } from '../helpers/datasets.js';
import { startTestVigil } from '../helpers/vigil.js';

test('a model under a customer key: disabling the key stops it, enabling restores it, deleting the key destroys it for good', async () => {
  // One "day" of the deletion window is one second here.
  const vigil = await startTestVigil({ env: { VIGIL_KMS_DAY_SECONDS: '1' } });
  const client = vigil.lookoutVision();
  const kms = new KMSClient({
    region: 'us-east-1',
    endpoint: vigil.endpoint,
    credentials: vigil.rootAccessKey,
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: vigil.tls.cert }) }),
  });
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

    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));
    await new Promise((done) => setTimeout(done, 7_100));
    assert.deepEqual(await vigil.kms.destroyDueKeys(), [key.KeyId]);
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
