import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateDatasetCommand, CreateProjectCommand, DescribeDatasetCommand, ListDatasetEntriesCommand, type LookoutVisionClient } from '@aws-sdk/client-lookoutvision';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { COOKIES, cookieManifest, dummyMask, manifestLines } from '../helpers/datasets.js';
import { awsCli, awsCliSkip, filesUnder, s3Client } from '../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

/** A classification manifest of the cookie test images (they come without one). */
async function testManifest(bucket: string, prefix: string): Promise<string> {
  const names = (await readdir(join(COOKIES, 'test-images'))).sort();
  return names
    .map((name) =>
      JSON.stringify({
        'source-ref': `s3://${bucket}/${prefix}${name}`,
        'anomaly-label': name.includes('anomaly') ? 1 : 0,
        'anomaly-label-metadata': { 'class-name': name.includes('anomaly') ? 'anomaly' : 'normal', type: 'groundtruth/image-classification', 'human-annotated': 'yes' },
      }),
    )
    .join('\n');
}

async function allEntries(client: LookoutVisionClient, project: string, type: string): Promise<string[]> {
  const entries: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListDatasetEntriesCommand({ ProjectName: project, DatasetType: type, NextToken: token }));
    entries.push(...(page.DatasetEntries ?? []));
    token = page.NextToken;
  } while (token);
  return entries;
}

async function waitForDataset(client: LookoutVisionClient, project: string, type: string) {
  for (;;) {
    const dataset = (await client.send(new DescribeDatasetCommand({ ProjectName: project, DatasetType: type }))).DatasetDescription!;
    if (!dataset.Status?.endsWith('_IN_PROGRESS')) return dataset;
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe('the dataset workflow with unchanged AWS tools', () => {
  let vigil: TestVigil;
  let lookoutVision: LookoutVisionClient;
  let s3: S3Client;
  let work: string;
  /** Every file the test uploaded: none of their bytes may be found under the data directory. */
  const uploaded: Buffer[] = [];

  before(async () => {
    vigil = await startTestVigil();
    lookoutVision = vigil.lookoutVision();
    s3 = s3Client(vigil);
    work = await mkdtemp(join(tmpdir(), 'vigil-workflow-'));
  });
  after(async () => {
    lookoutVision.destroy();
    s3.destroy();
    await vigil.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('the JS SDK: upload the cookies with client-s3, create train and test datasets from manifests', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-cookies' }));
    const put = async (key: string, body: Buffer) => {
      uploaded.push(body);
      await s3.send(new PutObjectCommand({ Bucket: 'sdk-cookies', Key: key, Body: body }));
    };
    for (const folder of ['training-images', 'mask-images', 'test-images']) {
      for (const name of await readdir(join(COOKIES, folder))) await put(`getting-started/${folder}/${name}`, await readFile(join(COOKIES, folder, name)));
    }
    await put('getting-started/mask-images/dummy_anomaly_mask.png', await dummyMask());
    const train = await cookieManifest('sdk-cookies');
    const test = await testManifest('sdk-cookies', 'getting-started/test-images/');
    await put('manifests/train.manifest', Buffer.from(train));
    await put('manifests/test.manifest', Buffer.from(test));

    await lookoutVision.send(new CreateProjectCommand({ ProjectName: 'sdk-cookies' }));
    for (const [type, key] of [
      ['train', 'manifests/train.manifest'],
      ['test', 'manifests/test.manifest'],
    ]) {
      await lookoutVision.send(new CreateDatasetCommand({ ProjectName: 'sdk-cookies', DatasetType: type, DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: 'sdk-cookies', Key: key } } } }));
    }
    const trainDataset = await waitForDataset(lookoutVision, 'sdk-cookies', 'train');
    assert.equal(trainDataset.Status, 'CREATE_COMPLETE', trainDataset.StatusMessage);
    assert.deepEqual(trainDataset.ImageStats, { Total: 63, Labeled: 63, Normal: 31, Anomaly: 32 });
    const testDataset = await waitForDataset(lookoutVision, 'sdk-cookies', 'test');
    assert.equal(testDataset.Status, 'CREATE_COMPLETE', testDataset.StatusMessage);
    const testNames = await readdir(join(COOKIES, 'test-images'));
    const testAnomalies = testNames.filter((n) => n.includes('anomaly')).length;
    assert.deepEqual(testDataset.ImageStats, { Total: testNames.length, Labeled: testNames.length, Normal: testNames.length - testAnomalies, Anomaly: testAnomalies });

    assert.deepEqual(
      (await allEntries(lookoutVision, 'sdk-cookies', 'train')).map((e) => JSON.parse(e)),
      manifestLines(train),
    );
    assert.deepEqual(
      (await allEntries(lookoutVision, 'sdk-cookies', 'test')).map((e) => JSON.parse(e)),
      manifestLines(test),
    );
  });

  test('the AWS CLI: aws s3 cp/sync, then aws lookoutvision create, describe, list, update, delete', { skip: awsCliSkip }, async () => {
    const cli = (...args: string[]) => awsCli(vigil, args, { cwd: work });
    const json = async (...args: string[]) => JSON.parse((await cli(...args)).stdout);
    await cli('s3', 'mb', 's3://cli-cookies');
    await cli('s3', 'cp', '--recursive', join(COOKIES, 'training-images'), 's3://cli-cookies/getting-started/training-images/');
    await cli('s3', 'sync', join(COOKIES, 'mask-images'), 's3://cli-cookies/getting-started/mask-images/');
    await writeFile(join(work, 'dummy_anomaly_mask.png'), await dummyMask());
    await cli('s3', 'cp', join(work, 'dummy_anomaly_mask.png'), 's3://cli-cookies/getting-started/mask-images/dummy_anomaly_mask.png');
    const manifest = await cookieManifest('cli-cookies');
    await writeFile(join(work, 'train.manifest'), manifest);
    uploaded.push(Buffer.from(manifest));
    await cli('s3', 'cp', join(work, 'train.manifest'), 's3://cli-cookies/train.manifest');
    const listed = (await cli('s3', 'ls', 's3://cli-cookies/getting-started/mask-images/')).stdout;
    assert.equal(listed.trim().split('\n').length, 33);

    const project = await json('lookoutvision', 'create-project', '--project-name', 'cli-cookies');
    assert.equal(project.ProjectMetadata.ProjectName, 'cli-cookies');
    const created = await json(
      'lookoutvision',
      'create-dataset',
      '--project-name',
      'cli-cookies',
      '--dataset-type',
      'train',
      '--dataset-source',
      JSON.stringify({ GroundTruthManifest: { S3Object: { Bucket: 'cli-cookies', Key: 'train.manifest' } } }),
    );
    assert.equal(created.DatasetMetadata.Status, 'CREATE_IN_PROGRESS');
    let dataset = await waitForDataset(lookoutVision, 'cli-cookies', 'train');
    assert.equal(dataset.Status, 'CREATE_COMPLETE', dataset.StatusMessage);
    const described = await json('lookoutvision', 'describe-dataset', '--project-name', 'cli-cookies', '--dataset-type', 'train');
    assert.deepEqual(described.DatasetDescription.ImageStats, { Total: 63, Labeled: 63, Normal: 31, Anomaly: 32 });

    const anomalies = await json('lookoutvision', 'list-dataset-entries', '--project-name', 'cli-cookies', '--dataset-type', 'train', '--anomaly-class', 'anomaly');
    assert.equal(anomalies.DatasetEntries.length, 32);
    const first = JSON.parse(anomalies.DatasetEntries[0]);
    assert.equal(first['anomaly-mask-ref-metadata']['internal-color-map']['0']['hex-color'], '#23A436');

    const relabel = manifestLines(manifest).find((l) => String(l['source-ref']).endsWith('/normal-1.jpg'))!;
    (relabel['anomaly-label-metadata'] as Record<string, string>)['class-name'] = 'anomaly';
    await writeFile(join(work, 'changes.manifest'), `${JSON.stringify(relabel)}\n`);
    const updated = await json('lookoutvision', 'update-dataset-entries', '--project-name', 'cli-cookies', '--dataset-type', 'train', '--changes', 'fileb://changes.manifest');
    assert.equal(updated.Status, 'UPDATE_IN_PROGRESS');
    dataset = await waitForDataset(lookoutVision, 'cli-cookies', 'train');
    assert.deepEqual(dataset.ImageStats, { Total: 63, Labeled: 63, Normal: 30, Anomaly: 33 });

    await assert.rejects(cli('lookoutvision', 'delete-project', '--project-name', 'cli-cookies'), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 254);
      assert.match(error.stderr, /ConflictException/);
      return true;
    });
    await cli('lookoutvision', 'delete-dataset', '--project-name', 'cli-cookies', '--dataset-type', 'train');
    await vigil.jobs.idle();
    const deleted = await json('lookoutvision', 'delete-project', '--project-name', 'cli-cookies');
    assert.match(deleted.ProjectArn, /:project\/cli-cookies$/);
    const projects = await json('lookoutvision', 'list-projects');
    assert.deepEqual(
      projects.Projects.map((p: { ProjectName: string }) => p.ProjectName),
      ['sdk-cookies'],
    );
  });

  test('no byte sequence of any uploaded image or manifest is found anywhere under the data directory', async () => {
    // Four 64-byte windows of every uploaded file, searched for in every file Vigil wrote.
    // Windows of few distinct bytes (runs of zeros in a PNG, say) would match any file by chance: skip them.
    const windowsOf = (body: Buffer) =>
      [0.1, 0.35, 0.6, 0.85].map((at) => body.subarray(Math.floor(body.length * at), Math.floor(body.length * at) + 64)).filter((needle) => needle.length === 64 && new Set(needle).size >= 16);
    const needles = uploaded.flatMap(windowsOf);
    assert.ok(needles.length > 400, `${needles.length} distinctive windows`);
    const byPrefix = new Map<number, Buffer[]>();
    for (const needle of needles) {
      const prefix = needle.readUInt32LE(0);
      byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), needle]);
    }
    const plaintextAt = (bytes: Buffer) => {
      for (let i = 0; i + 64 <= bytes.length; i++) {
        const candidates = byPrefix.get(bytes.readUInt32LE(i));
        if (candidates?.some((needle) => bytes.subarray(i, i + 64).equals(needle))) return i;
      }
      return -1;
    };
    // The search finds plaintext where there is some: the uploads themselves.
    assert.ok(uploaded.every((body) => windowsOf(body).length === 0 || plaintextAt(body) >= 0));
    const files = await filesUnder(vigil.dataDir);
    assert.ok(files.length > 200, 'the data directory holds the copies');
    for (const file of files) {
      const offset = plaintextAt(await readFile(file));
      assert.equal(offset, -1, `${file} holds plaintext at offset ${offset}`);
    }
  });
});
