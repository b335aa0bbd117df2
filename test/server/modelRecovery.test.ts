import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateModelCommand, DescribeModelCommand, DetectAnomaliesCommand, type LookoutVisionClient, StartModelCommand, TagResourceCommand } from '@aws-sdk/client-lookoutvision';
import Database from 'better-sqlite3';
import { ALIENS, aliensProject } from '../helpers/datasets.js';
import { startTestVigil } from '../helpers/vigil.js';

test('after a restart, hosted models are hosted again (at their vigil:false-alarm-rate target) and interrupted trainings run once more or fail with the reason', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'vigil-model-recovery-'));
  const detect = async (client: LookoutVisionClient, normal: number) =>
    (await client.send(new DetectAnomaliesCommand({ ProjectName: 'aliens', ModelVersion: '1', ContentType: 'image/png', Body: await readFile(join(ALIENS, 'normal', `${normal}.png`)) })))
      .DetectAnomalyResult!.IsAnomalous!;
  const flippedByTag: number[] = [];
  try {
    let vigil = await startTestVigil({ dataDir });
    try {
      await aliensProject(vigil);
      const client = vigil.lookoutVision();
      for (let i = 0; i < 3; i++) {
        await client.send(new CreateModelCommand({ ProjectName: 'aliens', OutputConfig: { S3Location: { Bucket: 'aliens' } } }));
        await vigil.jobs.idle();
      }
      await client.send(new StartModelCommand({ ProjectName: 'aliens', ModelVersion: '1', MinInferenceUnits: 1 }));
      await vigil.jobs.idle();
      const hosted = (await client.send(new DescribeModelCommand({ ProjectName: 'aliens', ModelVersion: '1' }))).ModelDescription!;
      assert.equal(hosted.Status, 'HOSTED');
      // Unseen normals that pass at the calibrated threshold and are flagged at a permissive false-alarm-rate target.
      const passing: number[] = [];
      for (let i = 21; i <= 40; i++) if (!(await detect(client, i))) passing.push(i);
      await client.send(new TagResourceCommand({ ResourceArn: hosted.ModelArn, Tags: [{ Key: 'vigil:false-alarm-rate', Value: '0.5' }] }));
      for (const i of passing) if (await detect(client, i)) flippedByTag.push(i);
      assert.ok(flippedByTag.length > 0, 'a target of 0.5 flags unseen normals that passed');
      client.destroy();
    } finally {
      await vigil.stop();
    }
    // What a kill -9 during two trainings leaves: version 2 on its first attempt, version 3 on its last.
    const db = new Database(join(dataDir, 'metadata.db'));
    db.prepare("UPDATE models SET status = 'TRAINING', training_attempts = 1 WHERE version = 2").run();
    db.prepare("UPDATE models SET status = 'TRAINING', training_attempts = 2 WHERE version = 3").run();
    db.close();

    vigil = await startTestVigil({ dataDir });
    const client = vigil.lookoutVision();
    try {
      await vigil.jobs.idle();
      const status = async (version: string) => (await client.send(new DescribeModelCommand({ ProjectName: 'aliens', ModelVersion: version }))).ModelDescription!;
      assert.equal((await status('1')).Status, 'HOSTED');
      const answer = await client.send(new DetectAnomaliesCommand({ ProjectName: 'aliens', ModelVersion: '1', ContentType: 'image/png', Body: await readFile(join(ALIENS, 'anomaly', '50.png')) }));
      assert.equal(typeof answer.DetectAnomalyResult?.IsAnomalous, 'boolean');
      for (const i of flippedByTag) assert.equal(await detect(client, i), true, `normal ${i} is still judged at the tag's target after the restart`);
      assert.equal((await status('2')).Status, 'TRAINED');
      const failed = await status('3');
      assert.equal(failed.Status, 'TRAINING_FAILED');
      assert.match(failed.StatusMessage ?? '', /interrupted by restarts twice/);
    } finally {
      client.destroy();
      await vigil.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
