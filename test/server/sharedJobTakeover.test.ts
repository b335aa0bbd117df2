import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateProjectCommand, DescribeDatasetCommand, DescribeModelCommand } from '@aws-sdk/client-lookoutvision';
import pg from 'pg';
import { postgresSkip, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * What a node does with a job it takes over from a node that died (its lease ran out): the job rows of
 * the dead node are written straight into the table, as that node left them.
 */
describe('jobs taken over from a node that died', { skip: postgresSkip }, () => {
  let postgres: TestPostgres;
  let vigil: TestVigil;
  let direct: pg.Client;
  before(async () => {
    postgres = await startPostgres();
    const url = await postgres.createDatabase();
    vigil = await startTestVigil({ env: { VIGIL_DATABASE_URL: url } });
    direct = new pg.Client({ connectionString: url });
    await direct.connect();
    await vigil.lookoutVision().send(new CreateProjectCommand({ ProjectName: 'line' }));
  });
  after(async () => {
    await direct?.end();
    await vigil?.stop();
    await postgres?.stop();
  });

  /** A job the dead node held as `attempt`, its lease long run out. */
  const deadNodesJob = (kind: string, resource: string, payload: unknown, attempt: number) =>
    direct.query(
      `INSERT INTO jobs (kind, resource, payload, state, attempt, lease_owner, lease_expires_at, heartbeat_at, created_at) VALUES ($1, $2, $3, 'running', $4, 'dead-node:1:000000', 0, 0, 0)`,
      [kind, resource, JSON.stringify(payload), attempt],
    );

  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    for (let tries = 0; ; tries++) {
      const value = await read();
      if (done(value)) return value;
      assert.ok(tries < 100, `still ${JSON.stringify(value)}`);
      await sleep(100);
    }
  }

  test('an import the dead node was running is rolled back and fails as after a restart, never half-applied', async () => {
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
      async () => (await vigil.lookoutVision().send(new DescribeDatasetCommand({ ProjectName: 'line', DatasetType: 'train' }))).DatasetDescription!,
      (d) => d.Status !== 'CREATE_IN_PROGRESS',
    );
    assert.equal(dataset.Status, 'CREATE_FAILED');
    assert.match(dataset.StatusMessage ?? '', /stopped before this finished/);
    await vigil.jobs.idle();
  });

  test('a training interrupted on its second attempt too ends TRAINING_FAILED; the job is gone', async () => {
    const now = new Date();
    const model = await vigil.store.models.create(
      { projectName: 'line', status: 'TRAINING', createdAt: now, updatedAt: now, kmsKeyId: vigil.kms.defaultKeyId, outputBucket: 'out', outputPrefix: 'm/', trainingAttempts: 1 },
      (version) => `arn:aws:lookoutvision:us-east-1:${vigil.accountId}:model/line/${version}`,
      [],
    );
    await deadNodesJob('train', model.arn, { projectName: 'line', version: model.version }, 2);
    const described = await until(
      async () => (await vigil.lookoutVision().send(new DescribeModelCommand({ ProjectName: 'line', ModelVersion: String(model.version) }))).ModelDescription!,
      (m) => m.Status !== 'TRAINING',
    );
    assert.equal(described.Status, 'TRAINING_FAILED');
    assert.match(described.StatusMessage ?? '', /interrupted twice/);
    await vigil.jobs.idle();
    assert.equal((await direct.query('SELECT count(*)::int AS n FROM jobs')).rows[0].n, 0);
  });
});
