import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateModelCommand,
  DescribeModelPackagingJobCommand,
  ListModelPackagingJobsCommand,
  type LookoutVisionClient,
  StartModelPackagingJobCommand,
  type StartModelPackagingJobCommandInput,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-lookoutvision';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { backboneInfo } from '../../src/ml/index.js';
import { aliensProject } from '../helpers/datasets.js';
import { rejects } from '../helpers/rejects.js';
import { awsCli, awsCliSkip, filesUnder, s3Client } from '../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

const CPU = { Os: 'LINUX', Arch: 'X86_64' } as const;
const OUTPUT = { Bucket: 'aliens', Prefix: 'packages/' };

describe('model packaging: StartModelPackagingJob, DescribeModelPackagingJob, ListModelPackagingJobs', () => {
  let dataDir: string;
  let vigil: TestVigil;
  let client: LookoutVisionClient;
  let s3: S3Client;
  const start = (input: Partial<StartModelPackagingJobCommandInput> & { Greengrass?: Record<string, unknown> }) => {
    const { Greengrass, ...rest } = input;
    return client.send(
      new StartModelPackagingJobCommand({
        ProjectName: 'aliens',
        ModelVersion: '1',
        Configuration: { Greengrass: { TargetPlatform: CPU, S3OutputLocation: OUTPUT, ComponentName: 'aliens-model', ...Greengrass } as never },
        ...rest,
      }),
    );
  };
  const describeJob = async (jobName: string) => (await client.send(new DescribeModelPackagingJobCommand({ ProjectName: 'aliens', JobName: jobName }))).ModelPackagingDescription!;
  const object = async (key: string) => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'aliens', Key: key }))).Body!.transformToByteArray());

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vigil-packaging-'));
    vigil = await startTestVigil({ dataDir });
    client = vigil.lookoutVision();
    s3 = s3Client(vigil);
    await aliensProject(vigil);
    await client.send(new CreateModelCommand({ ProjectName: 'aliens', OutputConfig: { S3Location: { Bucket: 'aliens', Prefix: 'model/' } } }));
    await vigil.jobs.idle();
  });
  after(async () => {
    client.destroy();
    s3.destroy();
    await vigil.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('a CPU package: CREATED → SUCCEEDED, the documented shapes, recipe, manifest and a sealed archive in the bucket', async () => {
    const { JobName } = await start({ JobName: 'job-1', Description: 'First package (CPU)', Greengrass: { ComponentDescription: 'Aliens, v1', Tags: [{ Key: 'line', Value: 'A' }] } });
    assert.equal(JobName, 'job-1');
    await vigil.jobs.idle();
    const job = await describeJob('job-1');
    assert.equal(job.Status, 'SUCCEEDED', job.StatusMessage);
    assert.equal(job.ProjectName, 'aliens');
    assert.equal(job.ModelVersion, '1');
    assert.equal(job.ModelPackagingMethod, 'Greengrass');
    assert.equal(job.ModelPackagingJobDescription, 'First package (CPU)');
    assert.ok(job.CreationTimestamp instanceof Date && job.LastUpdatedTimestamp instanceof Date);
    const greengrass = job.ModelPackagingConfiguration!.Greengrass!;
    assert.deepEqual(greengrass.TargetPlatform, CPU);
    assert.equal(greengrass.ComponentVersion, '1.0.0', 'ComponentVersion defaults to <ModelVersion>.0.0');
    assert.deepEqual(job.ModelPackagingOutputDetails?.Greengrass, {
      ComponentName: 'aliens-model',
      ComponentVersion: '1.0.0',
      ComponentVersionArn: `arn:aws:greengrass:us-east-1:${vigil.accountId}:components:aliens-model:versions:1.0.0`,
    });
    const base = 'packages/aliens-model/1.0.0/';
    const recipe = JSON.parse((await object(`${base}recipe.json`)).toString('utf8'));
    assert.equal(recipe.ComponentName, 'aliens-model');
    assert.equal(recipe.ComponentVersion, '1.0.0');
    assert.equal(recipe.ComponentDescription, 'Aliens, v1');
    assert.deepEqual(recipe.Tags, { line: 'A' });
    assert.equal(recipe.Manifests[0].Platform.architecture, 'amd64');
    assert.equal(recipe.Manifests[0].Artifacts[0].Uri, `s3://aliens/${base}model.vigilpkg`);
    const manifest = JSON.parse((await object(`${base}manifest.json`)).toString('utf8'));
    assert.deepEqual(manifest.backbone, { id: backboneInfo().id, weightHash: backboneInfo().weightHash });
    assert.equal(manifest.modelArn, `arn:aws:lookoutvision:us-east-1:${vigil.accountId}:model/aliens/1`);
    assert.deepEqual(manifest.image, { width: 275, height: 190 });
    const archive = await object(`${base}model.vigilpkg`);
    assert.equal(archive.subarray(0, 8).toString('ascii'), 'VIGILPKG');
    assert.equal(archive.includes(Buffer.from('VIGILMDL')), false, 'the model artifact is encrypted in the archive');
    const key = JSON.parse((await object(`${base}package-key.json`)).toString('utf8'));
    assert.equal(Buffer.from(key.key, 'base64').length, 32);
    // At rest every object is sealed: neither the key nor the archive's manifest appears in any stored file.
    for (const file of await filesUnder(join(dataDir, 'blobs'))) {
      const { readFile } = await import('node:fs/promises');
      const bytes = await readFile(file);
      assert.equal(bytes.includes(Buffer.from(key.key)), false, `${file} holds the package key in the clear`);
      assert.equal(bytes.includes(Buffer.from('vigil-model-package')), false, `${file} holds the manifest in the clear`);
    }
  });

  test('validation: target XOR, CompilerOptions rules, patterns, model state and existence', async () => {
    await rejects(start({ Greengrass: { TargetDevice: 'jetson_xavier' } }), 'ValidationException', /exactly one of TargetDevice and TargetPlatform/);
    await rejects(start({ Greengrass: { TargetPlatform: undefined } }), 'ValidationException', /exactly one/);
    await rejects(start({ Greengrass: { TargetPlatform: undefined, TargetDevice: 'jetson_xavier', CompilerOptions: '{"gpu-code":"sm_72"}' } }), 'ValidationException', /CompilerOptions may not/);
    await rejects(start({ Greengrass: { TargetPlatform: { ...CPU, Accelerator: 'NVIDIA' } } }), 'ValidationException', /CompilerOptions is required/);
    await rejects(start({ Greengrass: { TargetPlatform: { ...CPU, Accelerator: 'NVIDIA' }, CompilerOptions: '{"gpu-code":"sm_75","trt-ver":"7.1"}' } }), 'ValidationException', /trt-ver/);
    await rejects(start({ Greengrass: { CompilerOptions: 'not json' } }), 'ValidationException', /not valid JSON/);
    await rejects(start({ Greengrass: { CompilerOptions: '{"gpu-code":"sm_75"}' } }), 'ValidationException', /not a CPU option/);
    await rejects(start({ Greengrass: { TargetPlatform: { Os: 'WINDOWS', Arch: 'X86_64' } } }), 'ValidationException', /Os must be LINUX/);
    await rejects(start({ Greengrass: { ComponentName: 'bad name' } }), 'ValidationException', /ComponentName/);
    await rejects(start({ Greengrass: { ComponentVersion: '1.0' } }), 'ValidationException', /ComponentVersion/);
    await rejects(start({ Greengrass: { ComponentVersion: '1234567.0.0' } }), 'ValidationException', /ComponentVersion/);
    await rejects(start({ Greengrass: { S3OutputLocation: undefined } }), 'ValidationException', /S3OutputLocation/);
    await rejects(start({ Greengrass: { S3OutputLocation: { Bucket: 'no-such-bucket' } } }), 'ValidationException', /does not exist/);
    await rejects(start({ JobName: 'bad_name' }), 'ValidationException', /JobName/);
    await rejects(start({ Description: 'no <html>' }), 'ValidationException', /Description/);
    await rejects(start({ ModelVersion: 'one' }), 'ValidationException');
    await rejects(start({ ModelVersion: '9' }), 'ResourceNotFoundException');
    await rejects(start({ ProjectName: 'nope' }), 'ResourceNotFoundException');
    await rejects(client.send(new DescribeModelPackagingJobCommand({ ProjectName: 'aliens', JobName: 'no-such-job' })), 'ResourceNotFoundException', /no-such-job/);
    await rejects(client.send(new ListModelPackagingJobsCommand({ ProjectName: 'aliens', MaxResults: 101 })), 'ValidationException');
    await rejects(client.send(new ListModelPackagingJobsCommand({ ProjectName: 'aliens', NextToken: 'bogus' })), 'ValidationException');
    // A model that is still training cannot be packaged.
    const db = new Database(join(dataDir, 'metadata.db'));
    db.prepare("UPDATE models SET status = 'TRAINING' WHERE version = 1").run();
    try {
      await rejects(start({ JobName: 'while-training', Greengrass: { ComponentVersion: '9.9.9' } }), 'ConflictException', /only a trained model/);
    } finally {
      db.prepare("UPDATE models SET status = 'TRAINED' WHERE version = 1").run();
      db.close();
    }
  });

  test('conflicts, ClientToken idempotency, generated names, latest, and GPU targets failing with a reason', async () => {
    await rejects(start({ JobName: 'job-dup' }), 'ConflictException', /aliens-model version 1\.0\.0 already exists/);
    await rejects(start({ JobName: 'job-1', Greengrass: { ComponentVersion: '2.0.0' } }), 'ConflictException', /already has a model packaging job named job-1/);
    const first = await start({ ClientToken: 'token-1', ModelVersion: 'latest', Greengrass: { ComponentVersion: '1.1.0' } });
    const again = await start({ ClientToken: 'token-1', ModelVersion: 'latest', Greengrass: { ComponentVersion: '1.1.0' } });
    assert.equal(again.JobName, first.JobName, 'a retry with the same token starts no second job');
    assert.match(first.JobName!, /^[a-zA-Z0-9-]{1,64}$/);
    await rejects(start({ ClientToken: 'token-1', Greengrass: { ComponentVersion: '1.2.0' } }), 'ConflictException', /client token/);
    const gpu = await start({
      JobName: 'job-gpu',
      Greengrass: { ComponentVersion: '3.0.0', TargetPlatform: { Os: 'LINUX', Arch: 'ARM64', Accelerator: 'NVIDIA' }, CompilerOptions: '{"gpu-code":"sm_72","trt-ver":"7.1.3","cuda-ver":"10.2"}' },
    });
    const jetson = await start({ JobName: 'job-jetson', Greengrass: { ComponentVersion: '3.0.1', TargetPlatform: undefined, TargetDevice: 'jetson_xavier' } });
    await vigil.jobs.idle();
    assert.equal((await describeJob(first.JobName!)).Status, 'SUCCEEDED');
    for (const name of [gpu.JobName!, jetson.JobName!]) {
      const job = await describeJob(name);
      assert.equal(job.Status, 'FAILED');
      assert.match(job.StatusMessage!, /not supported: Vigil runs models on CPUs/);
      assert.equal(job.ModelPackagingOutputDetails, undefined);
    }
    // A failed job's component version is free again.
    assert.ok((await start({ JobName: 'job-cpu-3', Greengrass: { ComponentVersion: '3.0.0' } })).JobName);
    await vigil.jobs.idle();
  });

  test("the package carries the model's vigil:false-alarm-rate target, so the device judges as the server does", async () => {
    const arn = `arn:aws:lookoutvision:us-east-1:${vigil.accountId}:model/aliens/1`;
    await client.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'vigil:false-alarm-rate', Value: '0.2' }] }));
    try {
      await start({ JobName: 'job-target', Greengrass: { ComponentName: 'aliens-target' } });
      await vigil.jobs.idle();
      assert.equal((await describeJob('job-target')).Status, 'SUCCEEDED');
      assert.equal(JSON.parse((await object('packages/aliens-target/1.0.0/manifest.json')).toString('utf8')).falseAlarmRate, 0.2);
    } finally {
      await client.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['vigil:false-alarm-rate'] }));
    }
  });

  test('ListModelPackagingJobs pages through every job once', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListModelPackagingJobsCommand({ ProjectName: 'aliens', MaxResults: 2, NextToken: token }));
      assert.ok(page.ModelPackagingJobs!.length <= 2);
      for (const job of page.ModelPackagingJobs!) {
        assert.equal(job.ProjectName, 'aliens');
        assert.equal(job.ModelPackagingMethod, 'Greengrass');
        assert.ok(['CREATED', 'RUNNING', 'SUCCEEDED', 'FAILED'].includes(job.Status!));
        assert.equal((job as Record<string, unknown>).ModelPackagingConfiguration, undefined);
        seen.push(job.JobName!);
      }
      token = page.NextToken;
    } while (token);
    assert.equal(seen.length, 6);
    assert.equal(new Set(seen).size, 6);
    assert.ok(seen.includes('job-1') && seen.includes('job-gpu'));
  });

  test('the AWS CLI starts and describes a packaging job', { skip: awsCliSkip }, async () => {
    const started = JSON.parse(
      (
        await awsCli(vigil, [
          'lookoutvision',
          'start-model-packaging-job',
          '--project-name',
          'aliens',
          '--model-version',
          '1',
          '--job-name',
          'cli-job',
          '--configuration',
          JSON.stringify({
            Greengrass: {
              TargetPlatform: { Os: 'LINUX', Arch: 'ARM64' },
              CompilerOptions: '{"mcpu":"cortex-a72","mattr":["+neon"]}',
              S3OutputLocation: OUTPUT,
              ComponentName: 'aliens-model',
              ComponentVersion: '4.0.0',
            },
          }),
        ])
      ).stdout,
    );
    assert.deepEqual(started, { JobName: 'cli-job' });
    await vigil.jobs.idle();
    const described = JSON.parse((await awsCli(vigil, ['lookoutvision', 'describe-model-packaging-job', '--project-name', 'aliens', '--job-name', 'cli-job'])).stdout);
    assert.equal(described.ModelPackagingDescription.Status, 'SUCCEEDED');
    assert.equal(described.ModelPackagingDescription.ModelPackagingOutputDetails.Greengrass.ComponentVersion, '4.0.0');
    const listed = JSON.parse((await awsCli(vigil, ['lookoutvision', 'list-model-packaging-jobs', '--project-name', 'aliens'])).stdout);
    assert.ok(listed.ModelPackagingJobs.some((j: { JobName: string }) => j.JobName === 'cli-job'));
  });

  test('after a restart, a waiting or running job is finished once more, or failed after two interruptions', async () => {
    await start({ JobName: 'job-interrupted', Greengrass: { ComponentVersion: '5.0.0' } });
    await start({ JobName: 'job-twice', Greengrass: { ComponentVersion: '5.0.1' } });
    await vigil.jobs.idle();
    client.destroy();
    s3.destroy();
    await vigil.close();
    // What a kill -9 leaves: one job mid-run on its first attempt, one on its last.
    const db = new Database(join(dataDir, 'metadata.db'));
    db.prepare("UPDATE model_packaging_jobs SET status = 'RUNNING', attempts = 1, output = NULL WHERE job_name = 'job-interrupted'").run();
    db.prepare("UPDATE model_packaging_jobs SET status = 'RUNNING', attempts = 2, output = NULL WHERE job_name = 'job-twice'").run();
    db.close();
    vigil = await startTestVigil({ dataDir });
    client = vigil.lookoutVision();
    s3 = s3Client(vigil);
    await vigil.jobs.idle();
    const finished = await describeJob('job-interrupted');
    assert.equal(finished.Status, 'SUCCEEDED');
    assert.equal(finished.ModelPackagingOutputDetails?.Greengrass?.ComponentVersion, '5.0.0');
    const failed = await describeJob('job-twice');
    assert.equal(failed.Status, 'FAILED');
    assert.match(failed.StatusMessage!, /interrupted by restarts twice/);
  });
});
