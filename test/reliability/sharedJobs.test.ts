import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  CreateDatasetCommand,
  CreateModelCommand,
  CreateProjectCommand,
  DescribeDatasetCommand,
  DescribeModelCommand,
  DetectAnomaliesCommand,
  StartModelCommand,
  StopModelCommand,
} from '@aws-sdk/client-lookoutvision';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import pg from 'pg';
import { type CephRgw, cephSkip, startCephRgw } from '../helpers/cephRgw.js';
import { aliensTrainingSet } from '../helpers/datasets.js';
import { postgresSkip, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { filesHolding, imageWindows } from './plaintextScan.js';
import { killLeftovers, ServeProcess, sleep } from './serveProcess.js';

const dirs: string[] = [];
let postgres: TestPostgres | undefined;
let rgw: CephRgw | undefined;
let watcher: pg.Client | undefined;
after(async () => {
  killLeftovers();
  await watcher?.end();
  await rgw?.stop();
  await postgres?.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A claim seen in the jobs table: which node (by its process id) held which attempt of which job. */
interface Claim {
  kind: string;
  pid: number;
  attempt: number;
}

/** GET over HTTPS trusting `ca`, no credentials: what a load balancer's health check does. */
function getJson(url: string, ca: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    request(url, { ca, method: 'GET' }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, text }));
    })
      .on('error', reject)
      .end();
  });
}

/**
 * Nodes as separate `vigil serve` processes sharing one PostgreSQL and one Ceph RGW bucket (two nodes
 * cannot share a local blob directory: each data directory is locked to one process, which cleans its
 * blobs/tmp at start).
 */
test('nodes sharing PostgreSQL and a Ceph RGW: jobs queued on an api node run on a worker; a node starting meanwhile leaves them alone; a worker killed mid-training loses the job to another worker, which trains the model to TRAINED, and no write it acknowledged is lost; a worker killed during StartModel loses the start to another worker, which hosts the model; every node answers, also after a hosting node is killed; the RGW holds no plaintext', {
  skip: postgresSkip || cephSkip,
  timeout: 240_000,
}, async (t) => {
  postgres = await startPostgres();
  const databaseUrl = await postgres.createDatabase();
  rgw = await startCephRgw();
  const raw = rgw.client();
  await raw.send(new CreateBucketCommand({ Bucket: 'vigil-objects' }));
  const shared = {
    VIGIL_DATABASE_URL: databaseUrl,
    VIGIL_BLOB_S3_ENDPOINT: rgw.endpoint,
    VIGIL_BLOB_S3_BUCKET: 'vigil-objects',
    VIGIL_BLOB_S3_ACCESS_KEY_ID: rgw.credentials.accessKeyId,
    VIGIL_BLOB_S3_SECRET_ACCESS_KEY: rgw.credentials.secretAccessKey,
    VIGIL_BLOB_S3_CA_FILE: rgw.caPath,
    // Every node of an installation opens the same sealed keys.
    VIGIL_ROOT_KEY: randomBytes(32).toString('base64'),
    // Short, so that the test does not wait long for a dead node's lease to run out.
    VIGIL_JOB_LEASE_SECONDS: '2',
  };
  const nodeDirs: string[] = [];
  const node = async (role: string, dataDir?: string) => {
    dataDir ??= await mkdtemp(join(tmpdir(), `vigil-node-${role}-`));
    dirs.push(dataDir);
    nodeDirs.push(dataDir);
    return ServeProcess.start(dataDir, ['--role', role], shared);
  };
  const apiDataDir = await mkdtemp(join(tmpdir(), 'vigil-node-api-'));
  const api = await node('api', apiDataDir);
  const workerB = await node('worker');

  // Every claim any node makes, as the jobs table shows it (polled every 50 ms).
  const claims: Claim[] = [];
  watcher = new pg.Client({ connectionString: databaseUrl });
  await watcher.connect();
  let watching = true;
  const watching$ = (async () => {
    while (watching) {
      const { rows } = await watcher!.query(`SELECT kind, lease_owner, attempt FROM jobs WHERE state = 'running'`);
      for (const row of rows) {
        const claim = { kind: row.kind as string, pid: Number((row.lease_owner as string).split(':').at(-2)), attempt: row.attempt as number };
        if (!claims.some((c) => c.kind === claim.kind && c.pid === claim.pid && c.attempt === claim.attempt)) claims.push(claim);
      }
      await sleep(50);
    }
  })();

  const s3 = api.s3();
  const client = api.lookoutVision();
  await s3.send(new CreateBucketCommand({ Bucket: 'aliens' }));
  const set = await aliensTrainingSet('aliens');
  for (const { key, image } of set) await s3.send(new PutObjectCommand({ Bucket: 'aliens', Key: key, Body: image }));
  await s3.send(new PutObjectCommand({ Bucket: 'aliens', Key: 'train.manifest', Body: set.map((s) => s.line).join('\n') }));
  await client.send(new CreateProjectCommand({ ProjectName: 'aliens' }));
  await client.send(new CreateDatasetCommand({ ProjectName: 'aliens', DatasetType: 'train', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: 'aliens', Key: 'train.manifest' } } } }));
  for (let tries = 0; ; tries++) {
    const status = (await client.send(new DescribeDatasetCommand({ ProjectName: 'aliens', DatasetType: 'train' }))).DatasetDescription!.Status;
    if (status === 'CREATE_COMPLETE') break;
    assert.equal(status, 'CREATE_IN_PROGRESS');
    assert.ok(tries < 300, 'the import finishes');
    await sleep(100);
  }

  // Training, queued through the api node, is claimed by worker B; B is killed while it trains.
  await client.send(new CreateModelCommand({ ProjectName: 'aliens', OutputConfig: { S3Location: { Bucket: 'aliens', Prefix: 'out/' } } }));
  const describe = async () => (await client.send(new DescribeModelCommand({ ProjectName: 'aliens', ModelVersion: '1' }))).ModelDescription!;
  for (let tries = 0; !claims.some((c) => c.kind === 'train'); tries++) {
    assert.ok(tries < 200, 'a worker claims the training');
    await sleep(50);
  }
  // A node starting meanwhile leaves B's live job alone: its startup recovery neither fails nor takes it.
  const workerC = await node('worker');
  assert.equal((await describe()).Status, 'TRAINING');
  assert.deepEqual(
    claims.filter((c) => c.kind === 'train'),
    [{ kind: 'train', pid: workerB.pid, attempt: 1 }],
  );
  // B also takes S3 writes until it dies: each one it acknowledged must read back whole through another node.
  const sent = new Map<string, Buffer>();
  const acknowledged = new Set<string>();
  const writer = workerB.s3();
  const writing = (async () => {
    for (let i = 0; ; i++) {
      const key = `written/${i}`;
      sent.set(key, randomBytes(64 * 1024));
      try {
        await writer.send(new PutObjectCommand({ Bucket: 'aliens', Key: key, Body: sent.get(key) }));
      } catch {
        return;
      }
      acknowledged.add(key);
    }
  })();
  for (let tries = 0; acknowledged.size < 5; tries++) {
    assert.ok(tries < 400, 'B acknowledges writes');
    await sleep(25);
  }
  await workerB.kill9();
  const killedAt = Date.now();
  await writing;

  let model = await describe();
  while (model.Status === 'TRAINING') {
    assert.ok(Date.now() - killedAt < 120_000, 'the training finishes on the other worker');
    await sleep(250);
    model = await describe();
  }
  t.diagnostic(`claims: ${JSON.stringify(claims)}; TRAINED ${Date.now() - killedAt} ms after the kill`);
  assert.equal(model.Status, 'TRAINED', model.StatusMessage);
  assert.ok(model.Performance?.F1Score !== undefined);
  assert.deepEqual(
    claims.filter((c) => c.kind === 'train'),
    [
      { kind: 'train', pid: workerB.pid, attempt: 1 },
      { kind: 'train', pid: workerC.pid, attempt: 2 },
    ],
    'B trained first; after its lease ran out C took the job over, as attempt 2; never two at once',
  );
  assert.deepEqual(
    claims.filter((c) => c.kind === 'dataset'),
    [{ kind: 'dataset', pid: workerB.pid, attempt: 1 }],
  );
  assert.ok(!claims.some((c) => c.pid === api.pid), 'the api node never runs a job');
  const reader = workerC.s3();
  for (const [key, body] of sent) {
    const read = await reader.send(new GetObjectCommand({ Bucket: 'aliens', Key: key })).then(
      async (r) => Buffer.from(await r.Body!.transformToByteArray()),
      (error: Error) => {
        if (error.name !== 'NoSuchKey' || acknowledged.has(key)) throw error;
        return undefined;
      },
    );
    // A write still in flight when B died is absent or whole, never a part.
    if (read) assert.ok(read.equals(body), `${key} reads back as written`);
  }
  t.diagnostic(`${acknowledged.size} writes B acknowledged before the kill read back whole through C (${sent.size - acknowledged.size} in flight)`);
  assert.equal(Number((await watcher.query('SELECT count(*) FROM jobs')).rows[0].count), 0, 'no job is left');

  // StartModel through worker D, which is killed as soon as it has answered: the start is D's job, under
  // its lease; once the lease has run out the live worker C takes the start over and hosts the model.
  const workerD = await node('worker');
  await workerD.lookoutVision().send(new StartModelCommand({ ProjectName: 'aliens', ModelVersion: '1', MinInferenceUnits: 1 }));
  await workerD.kill9();
  const startKilledAt = Date.now();
  for (;;) {
    model = await describe();
    if (model.Status !== 'STARTING_HOSTING') break;
    assert.ok(Date.now() - startKilledAt < 60_000, 'the start is finished by a live node');
    await sleep(100);
  }
  t.diagnostic(`HOSTED ${Date.now() - startKilledAt} ms after the node starting it was killed`);
  assert.equal(model.Status, 'HOSTED', model.StatusMessage);
  watching = false;
  await watching$;
  assert.deepEqual(
    claims.filter((c) => c.kind === 'host'),
    [
      { kind: 'host', pid: workerD.pid, attempt: 1 },
      { kind: 'host', pid: workerC.pid, attempt: 2 },
    ],
    'D started the model; after its lease ran out C took the start over, as attempt 2',
  );

  // Every node answers: C, which hosts the model since it finished the start, and the others, which load it on first use.
  const detectThrough = (node: ServeProcess) => node.lookoutVision().send(new DetectAnomaliesCommand({ ProjectName: 'aliens', ModelVersion: '1', ContentType: 'image/png', Body: set[0]!.image }));
  const result = (await detectThrough(workerC)).DetectAnomalyResult!;
  assert.equal(typeof result.IsAnomalous, 'boolean');
  assert.ok(result.Confidence! >= 0 && result.Confidence! <= 1);
  // A hosting node killed: the model stays HOSTED and the other nodes answer, with the same verdict.
  const workerE = await node('worker');
  await workerC.kill9();
  assert.equal((await describe()).Status, 'HOSTED');
  assert.deepEqual((await detectThrough(workerE)).DetectAnomalyResult, result);
  assert.deepEqual((await detectThrough(api)).DetectAnomalyResult, result);
  // Stopped through the api node: TRAINED once StopModel has answered; E answers as for any model that is not hosted.
  await client.send(new StopModelCommand({ ProjectName: 'aliens', ModelVersion: '1' }));
  assert.equal((await describe()).Status, 'TRAINED');
  await assert.rejects(detectThrough(workerE), { name: 'ConflictException' });
  assert.equal(Number((await watcher.query('SELECT count(*) FROM jobs')).rows[0].count), 0, 'no job is left');

  // Neither Ceph's RADOS pools nor the nodes' data directories hold the images; a control written
  // unsealed, straight to the bucket, shows that the scan finds what is there.
  const control = randomBytes(32);
  await raw.send(new PutObjectCommand({ Bucket: 'vigil-objects', Key: 'control', Body: control }));
  const markers = set.slice(0, 8).flatMap(({ image }) => imageWindows(image));
  const rados = await rgw.radosData();
  assert.ok(rados.includes(control), 'the scan of the RADOS pools finds the control');
  assert.equal(markers.filter((marker) => rados.includes(marker)).length, 0, 'no image bytes in the RADOS pools');
  for (const dir of nodeDirs) assert.deepEqual(await filesHolding(dir, markers), [], `no image bytes in ${dir}`);
  raw.destroy();

  // Health: unauthenticated, JSON, no secrets; not ready once the object store is gone.
  const ca = await readFile(join(apiDataDir, 'tls', 'cert.pem'));
  const healthy = await getJson(`${api.endpoint}/_vigil/health`, ca);
  assert.equal(healthy.status, 200, healthy.text);
  const report = JSON.parse(healthy.text);
  assert.equal(report.ready, true);
  assert.equal(report.role, 'api');
  assert.equal(report.checks.database.ok, true);
  assert.equal(report.checks.objectStore.ok, true);
  for (const secret of [new URL(databaseUrl).password, shared.VIGIL_BLOB_S3_SECRET_ACCESS_KEY, shared.VIGIL_ROOT_KEY]) assert.ok(!healthy.text.includes(secret));
  assert.deepEqual(await getJson(`${api.endpoint}/_vigil/health/live`, ca), { status: 200, text: '{"live":true}' });
  await rgw.stop();
  rgw = undefined;
  const unready = await getJson(`${api.endpoint}/_vigil/health`, ca);
  assert.equal(unready.status, 503);
  assert.deepEqual(
    { ready: JSON.parse(unready.text).ready, database: JSON.parse(unready.text).checks.database.ok, objectStore: JSON.parse(unready.text).checks.objectStore.ok },
    { ready: false, database: true, objectStore: false },
  );

  await api.stop();
  await workerE.stop();
});
