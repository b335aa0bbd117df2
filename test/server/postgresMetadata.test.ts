import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  type KMSClient,
  ListAliasesCommand,
  ScheduleKeyDeletionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import {
  CreateDatasetCommand,
  CreateModelCommand,
  CreateProjectCommand,
  DeleteDatasetCommand,
  DescribeDatasetCommand,
  DescribeModelCommand,
  DescribeModelPackagingJobCommand,
  DetectAnomaliesCommand,
  ListProjectsCommand,
  type LookoutVisionClient,
  StartModelCommand,
  StartModelPackagingJobCommand,
  StopModelCommand,
  UpdateDatasetEntriesCommand,
} from '@aws-sdk/client-lookoutvision';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import pg from 'pg';
import { LifecycleSweeper } from '../../src/service/lifecycleSweeper.js';
import { ALIENS } from '../helpers/datasets.js';
import { watchHostedCopies } from '../helpers/hostedCopies.js';
import { kmsClient } from '../helpers/kms.js';
import { postgresSkip, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { s3Client } from '../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

/**
 * The APIs with VIGIL_DATABASE_URL set: S3, KMS and the Lookout for Vision workflow through the real SDK
 * clients against a Vigil whose metadata lives in a real PostgreSQL, then a restart that finds it all there.
 * (The embedded default is what every other API test runs on.)
 */
describe('Vigil with its metadata in PostgreSQL', { skip: postgresSkip }, () => {
  let postgres: TestPostgres;
  let databaseUrl: string;
  let dataDir: string;
  let vigil: TestVigil;
  let s3: S3Client;
  let kms: KMSClient;
  let lookoutVision: LookoutVisionClient;

  async function start(): Promise<void> {
    vigil = await startTestVigil({ dataDir, env: { VIGIL_DATABASE_URL: databaseUrl } });
    s3 = s3Client(vigil);
    kms = kmsClient(vigil);
    lookoutVision = vigil.lookoutVision();
  }
  async function stop(): Promise<void> {
    for (const client of [s3, kms, lookoutVision]) client.destroy();
    await vigil.stop();
  }

  before(async () => {
    postgres = await startPostgres();
    databaseUrl = await postgres.createDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'vigil-pg-node-'));
    await start();
  });
  after(async () => {
    await stop();
    await rm(dataDir, { recursive: true, force: true });
    await postgres.stop();
  });

  const status = async (error: Promise<unknown>) => {
    try {
      await error;
    } catch (caught) {
      return (caught as Error).name;
    }
    return 'succeeded';
  };

  test('S3: objects put, read and listed page by page; a multipart upload completes once; a missing bucket refuses writes', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'aliens' }));
    const lines: string[] = [];
    for (const [className, count] of [
      ['normal', 20],
      ['anomaly', 10],
    ] as const) {
      for (let i = 1; i <= count; i++) {
        const key = `${className}/${i}.png`;
        await s3.send(new PutObjectCommand({ Bucket: 'aliens', Key: key, Body: await readFile(join(ALIENS, key)), ContentType: 'image/png' }));
        lines.push(JSON.stringify({ 'source-ref': `s3://aliens/${key}`, 'anomaly-label': 1, 'anomaly-label-metadata': { 'class-name': className, type: 'groundtruth/image-classification' } }));
      }
    }
    await s3.send(new PutObjectCommand({ Bucket: 'aliens', Key: 'train.manifest', Body: lines.join('\n') }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'aliens', Key: 'normal/7.png' }));
    assert.equal(got.ContentType, 'image/png');
    assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), await readFile(join(ALIENS, 'normal/7.png')));

    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'aliens', Prefix: 'anomaly/', MaxKeys: 4, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    assert.deepEqual(keys, Array.from({ length: 10 }, (_, i) => `anomaly/${i + 1}.png`).sort());

    const part1 = Buffer.alloc(5 * 1024 * 1024, 3);
    const part2 = Buffer.from('last part');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'aliens', Key: 'big.bin' }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket: 'aliens', Key: 'big.bin', UploadId, PartNumber: 1, Body: part1 }));
    const p2 = await s3.send(new UploadPartCommand({ Bucket: 'aliens', Key: 'big.bin', UploadId, PartNumber: 2, Body: part2 }));
    const complete = () =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'aliens',
          Key: 'big.bin',
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: p1.ETag },
              { PartNumber: 2, ETag: p2.ETag },
            ],
          },
        }),
      );
    // Two completions at once (as through two nodes): one completes the object; the other either finds the
    // upload gone or, arriving after it, is answered as a repeated completion of the same upload (as S3 does).
    const outcomes = await Promise.all([status(complete()), status(complete())]);
    assert.ok(outcomes.includes('succeeded'), outcomes.join());
    assert.ok(
      outcomes.every((o) => o === 'succeeded' || o === 'NoSuchUpload'),
      outcomes.join(),
    );
    assert.deepEqual(Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'aliens', Key: 'big.bin' }))).Body!.transformToByteArray()), Buffer.concat([part1, part2]));
    const aborted = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'aliens', Key: 'aborted.bin' }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'aliens', Key: 'aborted.bin', UploadId: aborted.UploadId }));
    assert.equal(await status(s3.send(new UploadPartCommand({ Bucket: 'aliens', Key: 'aborted.bin', UploadId: aborted.UploadId, PartNumber: 1, Body: 'x' }))), 'NoSuchUpload');

    assert.equal(await status(s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'k', Body: 'x' }))), 'NoSuchBucket');
    assert.equal(await vigil.store.buckets.get('no-such-bucket'), undefined);
  });

  test('S3 lifecycle rules are kept in the database and applied: two sweeps at once (as two nodes) expire each version once', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'expiring' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'expiring', VersioningConfiguration: { Status: 'Enabled' } }));
    for (let i = 0; i < 5; i++) await s3.send(new PutObjectCommand({ Bucket: 'expiring', Key: `old/${i}`, Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: 'expiring', Key: 'keep/0', Body: 'x' }));
    const rules = [{ ID: 'old', Filter: { Prefix: 'old/' }, Status: 'Enabled' as const, Expiration: { Date: new Date('2000-01-01T00:00:00Z') } }];
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'expiring', LifecycleConfiguration: { Rules: rules } }));
    assert.deepEqual((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'expiring' }))).Rules, rules);
    const otherNode = new LifecycleSweeper(vigil.store, vigil.services.buckets, vigil.services.multipartUploads);
    await Promise.all([vigil.lifecycle.sweep(), otherNode.sweep()]);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'expiring' }));
    assert.equal(listed.Versions?.length, 6);
    assert.deepEqual((listed.DeleteMarkers ?? []).map((marker) => marker.Key).sort(), ['old/0', 'old/1', 'old/2', 'old/3', 'old/4']);
  });

  test('KMS: keys, aliases, encryption and a cancelled deletion', async () => {
    const key = (await kms.send(new CreateKeyCommand({ Description: 'line 3' }))).KeyMetadata!;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/line-3', TargetKeyId: key.KeyId }));
    assert.equal(await status(kms.send(new CreateAliasCommand({ AliasName: 'alias/line-3', TargetKeyId: key.KeyId }))), 'AlreadyExistsException');
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: 'alias/line-3', Plaintext: Buffer.from('secret recipe') }));
    assert.equal(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob }))).Plaintext!).toString(), 'secret recipe');
    const other = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await kms.send(new UpdateAliasCommand({ AliasName: 'alias/line-3', TargetKeyId: other.KeyId }));
    assert.equal((await kms.send(new ListAliasesCommand({ KeyId: other.KeyId }))).Aliases?.[0]?.AliasName, 'alias/line-3');
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));
    assert.equal(await status(kms.send(new EnableKeyCommand({ KeyId: key.KeyId }))), 'KMSInvalidStateException');
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata?.KeyState, 'PendingDeletion');
    await kms.send(new CancelKeyDeletionCommand({ KeyId: key.KeyId }));
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata?.KeyState, 'Disabled');
    await kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));
    assert.equal(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob }))).Plaintext!).toString(), 'secret recipe');
  });

  test('Lookout for Vision: project, dataset, model trained once for one client token, hosted, detecting, stopped', async () => {
    await lookoutVision.send(new CreateProjectCommand({ ProjectName: 'aliens' }));
    await lookoutVision.send(
      new CreateDatasetCommand({ ProjectName: 'aliens', DatasetType: 'train', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: 'aliens', Key: 'train.manifest' } } } }),
    );
    await vigil.jobs.idle();
    const dataset = (await lookoutVision.send(new DescribeDatasetCommand({ ProjectName: 'aliens', DatasetType: 'train' }))).DatasetDescription!;
    assert.equal(dataset.Status, 'CREATE_COMPLETE', dataset.StatusMessage);
    assert.deepEqual(dataset.ImageStats, { Total: 30, Labeled: 30, Normal: 20, Anomaly: 10 });

    const input = { ProjectName: 'aliens', OutputConfig: { S3Location: { Bucket: 'aliens', Prefix: 'models/' } }, KmsKeyId: 'alias/line-3', ClientToken: 'once' };
    // The same client token twice at once (as a retry through another node would): one model, one answer.
    const created = await Promise.all([lookoutVision.send(new CreateModelCommand(input)), lookoutVision.send(new CreateModelCommand(input))]);
    assert.equal(created[0].ModelMetadata?.ModelArn, created[1].ModelMetadata?.ModelArn, 'one client token, one model');
    assert.equal((await vigil.store.models.latest('aliens'))?.version, 1);
    await vigil.jobs.idle();
    const model = { ProjectName: 'aliens', ModelVersion: '1' };
    const trained = (await lookoutVision.send(new DescribeModelCommand(model))).ModelDescription!;
    assert.equal(trained.Status, 'TRAINED', trained.StatusMessage);
    assert.ok(trained.Performance?.F1Score !== undefined);

    await lookoutVision.send(new StartModelCommand({ ...model, MinInferenceUnits: 1 }));
    await vigil.jobs.idle();
    assert.equal((await lookoutVision.send(new DescribeModelCommand(model))).ModelDescription?.Status, 'HOSTED');
    const answer = await lookoutVision.send(new DetectAnomaliesCommand({ ...model, ContentType: 'image/png', Body: await readFile(join(ALIENS, 'normal/1.png')) }));
    assert.equal(typeof answer.DetectAnomalyResult?.IsAnomalous, 'boolean');
    await lookoutVision.send(new StopModelCommand(model));
    await vigil.jobs.idle();
    assert.equal((await lookoutVision.send(new DescribeModelCommand(model))).ModelDescription?.Status, 'TRAINED');
  });

  test('a detection that reads HOSTED the moment the start writes it is answered by the units the start loaded: one copy, none left after the stop', async () => {
    const model = { ProjectName: 'aliens', ModelVersion: '1' };
    const image = await readFile(join(ALIENS, 'normal/1.png'));
    const copies = watchHostedCopies(vigil);
    const models = vigil.store.models;
    const transition = models.transition;
    let detectedInWindow: Promise<unknown> | undefined;
    // The detection is sent as soon as HOSTED is in the database, before the start's own code goes on.
    models.transition = async (projectName, version, from, to) => {
      const changed = await transition.call(models, projectName, version, from, to);
      if (changed && to.status === 'HOSTED') {
        detectedInWindow = lookoutVision.send(new DetectAnomaliesCommand({ ...model, ContentType: 'image/png', Body: image }));
        await detectedInWindow.catch(() => undefined);
      }
      return changed;
    };
    try {
      await lookoutVision.send(new StartModelCommand({ ...model, MinInferenceUnits: 1 }));
      await vigil.jobs.idle();
    } finally {
      models.transition = transition;
    }
    try {
      assert.equal((await lookoutVision.send(new DescribeModelCommand(model))).ModelDescription?.Status, 'HOSTED');
      assert.ok(detectedInWindow, 'the detection was sent in the window');
      assert.equal(typeof ((await detectedInWindow) as { DetectAnomalyResult?: { IsAnomalous?: boolean } }).DetectAnomalyResult?.IsAnomalous, 'boolean');
      assert.equal(copies.loads, 1, 'the model is loaded once');
      await lookoutVision.send(new StopModelCommand(model));
      assert.equal((await lookoutVision.send(new DescribeModelCommand(model))).ModelDescription?.Status, 'TRAINED');
      assert.equal(copies.live.size, 0, 'no copy of the model is left running');
    } finally {
      copies.restore();
    }
  });

  test('a start or a stop that a node which died was running is finished by a live node; a start its nodes died in three times is HOSTING_FAILED; a start or stop whose job was lost is found', async () => {
    const model = { ProjectName: 'aliens', ModelVersion: '1' };
    const arn = (await vigil.store.models.get('aliens', 1))!.arn;
    const payload = { projectName: 'aliens', version: 1 };
    const copies = watchHostedCopies(vigil);
    const statusOf = async () => (await lookoutVision.send(new DescribeModelCommand(model))).ModelDescription!;
    try {
      // StartModel's status written, then the node died holding the start's job: this node takes it over.
      assert.ok(await vigil.store.models.transition('aliens', 1, ['TRAINED'], { status: 'STARTING_HOSTING', minInferenceUnits: 1, maxInferenceUnits: 1 }));
      await deadNodesJob('host', arn, payload, 1);
      assert.equal((await until(statusOf, (m) => m.Status !== 'STARTING_HOSTING')).Status, 'HOSTED');
      assert.equal(copies.live.size, 1);
      // StopModel's status written, then the node died holding the stop's job: this node stops its units and writes TRAINED.
      assert.ok(await vigil.store.models.transition('aliens', 1, ['HOSTED'], { status: 'STOPPING_HOSTING' }));
      await deadNodesJob('unhost', arn, payload, 1);
      assert.equal((await until(statusOf, (m) => m.Status !== 'STOPPING_HOSTING')).Status, 'TRAINED');
      assert.equal(copies.live.size, 0);
      await vigil.jobs.idle();

      // A start whose nodes died three times is not tried a fourth time.
      assert.ok(await vigil.store.models.transition('aliens', 1, ['TRAINED'], { status: 'STARTING_HOSTING', minInferenceUnits: 1, maxInferenceUnits: 1 }));
      await deadNodesJob('host', arn, payload, 3);
      const failed = await until(statusOf, (m) => m.Status !== 'STARTING_HOSTING');
      assert.equal(failed.Status, 'HOSTING_FAILED');
      assert.match(failed.StatusMessage ?? '', /stopped 3 times/);
      await vigil.jobs.idle();

      // Statuses written by nodes that died before recording the job: the sweep of lost work queues one.
      assert.ok(await vigil.store.models.transition('aliens', 1, ['HOSTING_FAILED'], { status: 'STARTING_HOSTING' }));
      await vigil.services.hosting.requeueLost();
      assert.equal((await until(statusOf, (m) => m.Status !== 'STARTING_HOSTING')).Status, 'HOSTED');
      assert.ok(await vigil.store.models.transition('aliens', 1, ['HOSTED'], { status: 'STOPPING_HOSTING' }));
      await vigil.services.hosting.requeueLost();
      assert.equal((await until(statusOf, (m) => m.Status !== 'STOPPING_HOSTING')).Status, 'TRAINED');
      await vigil.jobs.idle();
      assert.equal(copies.live.size, 0);
      assert.equal(await vigil.store.jobs?.count(), 0, 'no job is left');
    } finally {
      copies.restore();
    }
  });

  test('the shared job queue runs updates, deletions and packaging too: the Changes wait sealed in the object store, and nothing is left once done', async () => {
    const relabel = JSON.stringify({
      'source-ref': 's3://aliens/normal/1.png',
      'anomaly-label': 1,
      'anomaly-label-metadata': { 'class-name': 'anomaly', type: 'groundtruth/image-classification' },
    });
    await lookoutVision.send(new UpdateDatasetEntriesCommand({ ProjectName: 'aliens', DatasetType: 'train', Changes: Buffer.from(relabel) }));
    await vigil.jobs.idle();
    const dataset = (await lookoutVision.send(new DescribeDatasetCommand({ ProjectName: 'aliens', DatasetType: 'train' }))).DatasetDescription!;
    assert.equal(dataset.Status, 'UPDATE_COMPLETE', dataset.StatusMessage);
    assert.deepEqual(dataset.ImageStats, { Total: 30, Labeled: 30, Normal: 19, Anomaly: 11 });
    const waiting: string[] = [];
    for await (const key of vigil.blobs.list('jobs/')) waiting.push(key);
    assert.deepEqual(waiting, [], 'applied Changes are deleted');

    await lookoutVision.send(new CreateDatasetCommand({ ProjectName: 'aliens', DatasetType: 'test' }));
    await lookoutVision.send(new DeleteDatasetCommand({ ProjectName: 'aliens', DatasetType: 'test' }));
    await vigil.jobs.idle();
    assert.equal(await vigil.store.datasets.get('aliens', 'test'), undefined);

    await lookoutVision.send(
      new StartModelPackagingJobCommand({
        ProjectName: 'aliens',
        ModelVersion: '1',
        JobName: 'shared-queue',
        Configuration: { Greengrass: { TargetPlatform: { Os: 'LINUX', Arch: 'X86_64' }, S3OutputLocation: { Bucket: 'aliens', Prefix: 'packages/' }, ComponentName: 'aliens-model' } as never },
      }),
    );
    await vigil.jobs.idle();
    const job = (await lookoutVision.send(new DescribeModelPackagingJobCommand({ ProjectName: 'aliens', JobName: 'shared-queue' }))).ModelPackagingDescription!;
    assert.equal(job.Status, 'SUCCEEDED', job.StatusMessage);
    assert.equal(await vigil.store.jobs?.count(), 0);
  });

  /** A job that a node which died held as `attempt`, its lease long run out, as that node left it in the table. */
  async function deadNodesJob(kind: string, resource: string, payload: unknown, attempt: number): Promise<void> {
    const direct = new pg.Client({ connectionString: databaseUrl });
    await direct.connect();
    try {
      await direct.query(
        `INSERT INTO jobs (kind, resource, payload, state, attempt, lease_owner, lease_expires_at, heartbeat_at, created_at) VALUES ($1, $2, $3, 'running', $4, 'dead-node:1:000000', 0, 0, 0)`,
        [kind, resource, JSON.stringify(payload), attempt],
      );
    } finally {
      await direct.end();
    }
  }

  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    for (let tries = 0; ; tries++) {
      const value = await read();
      if (done(value)) return value;
      assert.ok(tries < 100, `still ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  test('an import a node that died was running is taken over, rolled back and failed as after a restart, never half-applied', async () => {
    await lookoutVision.send(new CreateProjectCommand({ ProjectName: 'line' }));
    const now = new Date();
    await vigil.store.datasets.create({
      projectName: 'line',
      datasetType: 'train',
      status: 'CREATE_IN_PROGRESS',
      createdAt: now,
      updatedAt: now,
      stats: { total: 0, labeled: 0, normal: 0, anomaly: 0 },
    });
    await deadNodesJob('dataset', 'line/train', { operation: 'create', projectName: 'line', datasetType: 'train', manifest: { Bucket: 'b', Key: 'm' } }, 1);
    const dataset = await until(
      async () => (await lookoutVision.send(new DescribeDatasetCommand({ ProjectName: 'line', DatasetType: 'train' }))).DatasetDescription!,
      (d) => d.Status !== 'CREATE_IN_PROGRESS',
    );
    assert.equal(dataset.Status, 'CREATE_FAILED');
    assert.match(dataset.StatusMessage ?? '', /stopped before this finished/);
    await vigil.jobs.idle();
  });

  test('a training that a node which died was running on its second attempt is taken over and ends TRAINING_FAILED; no job is left', async () => {
    const now = new Date();
    const model = await vigil.store.models.create(
      { projectName: 'line', status: 'TRAINING', createdAt: now, updatedAt: now, kmsKeyId: vigil.kms.defaultKeyId, outputBucket: 'out', outputPrefix: 'm/', trainingAttempts: 1 },
      (version) => `arn:aws:lookoutvision:us-east-1:${vigil.accountId}:model/line/${version}`,
      [],
    );
    await deadNodesJob('train', model.arn, { projectName: 'line', version: model.version }, 2);
    const described = await until(
      async () => (await lookoutVision.send(new DescribeModelCommand({ ProjectName: 'line', ModelVersion: String(model.version) }))).ModelDescription!,
      (m) => m.Status !== 'TRAINING',
    );
    assert.equal(described.Status, 'TRAINING_FAILED');
    assert.match(described.StatusMessage ?? '', /interrupted twice/);
    await vigil.jobs.idle();
    assert.equal(await vigil.store.jobs?.count(), 0);
  });

  test('work whose job was lost (its node stopped before queuing it) is found: a training is queued again, an import rolled back once it is a minute old', async () => {
    const now = new Date();
    const model = await vigil.store.models.create(
      { projectName: 'line', status: 'TRAINING', createdAt: now, updatedAt: now, kmsKeyId: vigil.kms.defaultKeyId, outputBucket: 'out', outputPrefix: 'm/', trainingAttempts: 1 },
      (version) => `arn:aws:lookoutvision:us-east-1:${vigil.accountId}:model/line/${version}`,
      [],
    );
    const minuteAgo = new Date(Date.now() - 61_000);
    await vigil.store.datasets.create({
      projectName: 'line',
      datasetType: 'test',
      status: 'CREATE_IN_PROGRESS',
      createdAt: minuteAgo,
      updatedAt: minuteAgo,
      stats: { total: 0, labeled: 0, normal: 0, anomaly: 0 },
    });
    await vigil.services.models.requeueLostTraining();
    await vigil.services.datasets.rollBackLostJobs();
    await vigil.jobs.idle();
    // The training ran (and failed on its own terms: the project's train dataset failed above).
    const described = (await lookoutVision.send(new DescribeModelCommand({ ProjectName: 'line', ModelVersion: String(model.version) }))).ModelDescription!;
    assert.equal(described.Status, 'TRAINING_FAILED');
    assert.match(described.StatusMessage ?? '', /train dataset is CREATE_FAILED/);
    const lost = (await lookoutVision.send(new DescribeDatasetCommand({ ProjectName: 'line', DatasetType: 'test' }))).DatasetDescription!;
    assert.equal(lost.Status, 'CREATE_FAILED');

    // A dataset whose status changed just now is left alone: its node is about to queue the job.
    await vigil.store.datasets.delete('line', 'test');
    await vigil.store.datasets.create({
      projectName: 'line',
      datasetType: 'test',
      status: 'CREATE_IN_PROGRESS',
      createdAt: new Date(),
      updatedAt: new Date(),
      stats: { total: 0, labeled: 0, normal: 0, anomaly: 0 },
    });
    await vigil.services.datasets.rollBackLostJobs();
    await vigil.jobs.idle();
    assert.equal((await vigil.store.datasets.get('line', 'test'))?.status, 'CREATE_IN_PROGRESS');
    await vigil.store.datasets.delete('line', 'test');
  });

  test('a restarted node finds everything in the database, and the data directory holds no metadata file', async () => {
    const objects = (await vigil.store.objects.list('aliens', { limit: 1000 })).length;
    await stop();
    assert.equal(existsSync(join(dataDir, 'metadata.db')), false);
    const direct = new pg.Client({ connectionString: databaseUrl });
    await direct.connect();
    try {
      assert.deepEqual((await direct.query('SELECT name FROM projects ORDER BY name')).rows, [{ name: 'aliens' }, { name: 'line' }]);
      assert.equal((await direct.query("SELECT count(*)::int AS n FROM bucket_objects WHERE bucket = 'aliens'")).rows[0].n, objects);
    } finally {
      await direct.end();
    }
    await start();
    assert.deepEqual(
      (await lookoutVision.send(new ListProjectsCommand({}))).Projects?.map((p) => p.ProjectName),
      ['aliens', 'line'],
    );
    assert.equal((await lookoutVision.send(new DescribeModelCommand({ ProjectName: 'aliens', ModelVersion: '1' }))).ModelDescription?.Status, 'TRAINED');
    assert.deepEqual(Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'aliens', Key: 'normal/7.png' }))).Body!.transformToByteArray()), await readFile(join(ALIENS, 'normal/7.png')));
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: 'alias/line-3', Plaintext: Buffer.from('after restart') }));
    assert.equal(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob }))).Plaintext!).toString(), 'after restart');
  });
});
