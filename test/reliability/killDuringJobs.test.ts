import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  CreateDatasetCommand,
  CreateModelCommand,
  CreateProjectCommand,
  DeleteDatasetCommand,
  DescribeDatasetCommand,
  DescribeModelCommand,
  ListDatasetEntriesCommand,
  type LookoutVisionClient,
} from '@aws-sdk/client-lookoutvision';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { aliensTrainingSet } from '../helpers/datasets.js';
import { filesHolding, imageWindows } from './plaintextScan.js';
import { crashSeed, killLeftovers, ServeProcess, seededRandom, sleep } from './serveProcess.js';

const dirs: string[] = [];
after(async () => {
  killLeftovers();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const DATASET = { ProjectName: 'aliens', DatasetType: 'train' } as const;

/** Polls until `status()` leaves the in-progress states; fails after `timeoutMs`. */
async function settle(status: () => Promise<string>, inProgress: readonly string[], timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await status();
    if (!inProgress.includes(current)) return current;
    if (Date.now() > deadline) throw new Error(`still ${current} after ${timeoutMs} ms`);
    await sleep(200);
  }
}

const datasetStatus = async (client: LookoutVisionClient) => (await client.send(new DescribeDatasetCommand(DATASET))).DatasetDescription!.Status!;
const modelStatus = async (client: LookoutVisionClient) => (await client.send(new DescribeModelCommand({ ProjectName: 'aliens', ModelVersion: '1' }))).ModelDescription!;

test('kill -9 during a dataset import and during a training: after each restart no job is stuck, the import is whole or failed and repeatable, the training resumes to TRAINED', async (t) => {
  const seed = crashSeed();
  t.diagnostic(`seed ${seed} (repeat with VIGIL_CRASH_SEED=${seed})`);
  const random = seededRandom(seed);
  const dataDir = await mkdtemp(join(tmpdir(), 'vigil-crash-jobs-'));
  dirs.push(dataDir);
  // A marker in every manifest line: dataset entries are stored sealed like the images.
  const marker = `vigil-manifest-marker-${randomBytes(12).toString('hex')}`;

  let serve = await ServeProcess.start(dataDir);
  const s3 = serve.s3();
  let client = serve.lookoutVision();
  await s3.send(new CreateBucketCommand({ Bucket: 'aliens' }));
  const set = await aliensTrainingSet('aliens', { note: marker });
  for (const { key, image } of set) await s3.send(new PutObjectCommand({ Bucket: 'aliens', Key: key, Body: image }));
  const images = set.map((s) => s.image);
  await s3.send(new PutObjectCommand({ Bucket: 'aliens', Key: 'train.manifest', Body: set.map((s) => s.line).join('\n') }));
  await client.send(new CreateProjectCommand({ ProjectName: 'aliens' }));

  // 1. The import: killed at a random moment after CreateDataset was answered.
  const createDataset = () => client.send(new CreateDatasetCommand({ ...DATASET, DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: 'aliens', Key: 'train.manifest' } } } }));
  await createDataset();
  const importKill = Math.floor(random() * 600);
  await sleep(importKill);
  await serve.kill9();
  serve = await ServeProcess.start(dataDir);
  client = serve.lookoutVision();
  // Recovery runs before the server listens: the first answer is already a final state.
  const afterImportKill = await datasetStatus(client);
  t.diagnostic(`import killed after ${importKill} ms: ${afterImportKill}`);
  assert.ok(['CREATE_COMPLETE', 'CREATE_FAILED'].includes(afterImportKill), `the import is complete or failed, not ${afterImportKill}`);
  if (afterImportKill === 'CREATE_FAILED') {
    assert.match((await client.send(new DescribeDatasetCommand(DATASET))).DatasetDescription!.StatusMessage ?? '', /stopped before this finished/);
    await client.send(new DeleteDatasetCommand(DATASET));
    await settle(() => datasetStatus(client).catch((error: Error) => (error.name === 'ResourceNotFoundException' ? 'GONE' : Promise.reject(error))), ['DELETE_IN_PROGRESS'], 20_000);
    await createDataset();
  }
  assert.equal(await settle(() => datasetStatus(client), ['CREATE_IN_PROGRESS'], 30_000), 'CREATE_COMPLETE');
  const entries = await client.send(new ListDatasetEntriesCommand({ ...DATASET, MaxResults: 100 }));
  assert.equal(entries.DatasetEntries?.length, 30, 'every manifest line is an entry, once');

  // 2. The training: killed while TRAINING; the restart trains it again (one more attempt) to the end.
  await client.send(new CreateModelCommand({ ProjectName: 'aliens', OutputConfig: { S3Location: { Bucket: 'aliens', Prefix: 'models/' } } }));
  assert.equal((await modelStatus(client)).Status, 'TRAINING');
  const trainingKill = 500 + Math.floor(random() * 3000);
  await sleep(trainingKill);
  const beforeKill = (await modelStatus(client)).Status;
  await serve.kill9();
  serve = await ServeProcess.start(dataDir);
  client = serve.lookoutVision();
  const resumed = await modelStatus(client);
  t.diagnostic(`training killed after ${trainingKill} ms (${beforeKill}): ${resumed.Status}`);
  assert.ok(['TRAINING', 'TRAINED'].includes(resumed.Status!), `the training resumed or had finished, not ${resumed.Status}: ${resumed.StatusMessage}`);
  const final = await settle(async () => (await modelStatus(client)).Status!, ['TRAINING'], 120_000);
  assert.equal(final, 'TRAINED', (await modelStatus(client)).StatusMessage);
  assert.ok((await modelStatus(client)).Performance?.F1Score !== undefined, 'the resumed training evaluated the model');

  await serve.stop();
  const leaks = await filesHolding(dataDir, [Buffer.from(marker), ...images.slice(0, 3).flatMap((image) => imageWindows(image))]);
  assert.deepEqual(leaks, [], 'no image or manifest byte sequence is stored in the clear');
});
