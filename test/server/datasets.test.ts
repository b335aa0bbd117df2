import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, mock, test } from 'node:test';
import {
  CreateDatasetCommand,
  CreateModelCommand,
  CreateProjectCommand,
  DeleteDatasetCommand,
  DeleteProjectCommand,
  DescribeDatasetCommand,
  DescribeProjectCommand,
  ListDatasetEntriesCommand,
  type ListDatasetEntriesCommandInput,
  ListModelsCommand,
  type LookoutVisionClient,
  UpdateDatasetEntriesCommand,
} from '@aws-sdk/client-lookoutvision';
import { Projects } from '../../src/service/projects.js';
import { ALIENS, COOKIES, cookieManifest, manifestLines, putCookieImages } from '../helpers/datasets.js';
import { rejects } from '../helpers/rejects.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

const BUCKET = 'cookie-bucket';

describe('datasets', () => {
  let vigil: TestVigil;
  let client: LookoutVisionClient;
  let manifest: string;

  const put = (key: string, body: Buffer | string) => vigil.services.buckets.putObject({ bucket: BUCKET, key, body: Readable.from([Buffer.from(body)]) });
  const fromManifest = (key: string) => ({ GroundTruthManifest: { S3Object: { Bucket: BUCKET, Key: key } } });
  const describeDataset = async (project: string, type = 'train') => (await client.send(new DescribeDatasetCommand({ ProjectName: project, DatasetType: type }))).DatasetDescription!;
  const allEntries = async (input: Omit<ListDatasetEntriesCommandInput, 'NextToken'>) => {
    const entries: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListDatasetEntriesCommand({ ...input, NextToken: token }));
      entries.push(...(page.DatasetEntries ?? []));
      token = page.NextToken;
    } while (token);
    return entries;
  };
  /** Creates a project with a train dataset from `lines` and waits for the import to end. */
  const importLines = async (project: string, lines: string[]) => {
    await client.send(new CreateProjectCommand({ ProjectName: project }));
    await put(`${project}.manifest`, lines.join('\n'));
    await client.send(new CreateDatasetCommand({ ProjectName: project, DatasetType: 'train', DatasetSource: fromManifest(`${project}.manifest`) }));
    await vigil.jobs.idle();
    return describeDataset(project);
  };
  const blobsUnder = async (prefix: string) => {
    const keys: string[] = [];
    for await (const key of vigil.blobs.list(prefix)) keys.push(key);
    return keys;
  };
  const line = (sourceRef: string, className = 'normal') =>
    JSON.stringify({
      'source-ref': sourceRef,
      'anomaly-label': className === 'anomaly' ? 1 : 0,
      'anomaly-label-metadata': { 'class-name': className, type: 'groundtruth/image-classification', 'human-annotated': 'yes' },
    });
  const cookie = (name: string, className?: string) => line(`s3://${BUCKET}/getting-started/training-images/${name}`, className);

  before(async () => {
    vigil = await startTestVigil();
    client = vigil.lookoutVision();
    await vigil.services.buckets.createBucket(BUCKET);
    await putCookieImages(vigil.services.buckets, BUCKET);
    manifest = await cookieManifest(BUCKET);
    await put('train_segmentation.manifest', manifest);
  });
  after(async () => {
    client.destroy();
    await vigil.stop();
  });

  test('a segmentation manifest imports: image stats match the files, entries round-trip, masks and classes are kept', async () => {
    await client.send(new CreateProjectCommand({ ProjectName: 'cookies' }));
    const created = await client.send(new CreateDatasetCommand({ ProjectName: 'cookies', DatasetType: 'train', DatasetSource: fromManifest('train_segmentation.manifest') }));
    assert.equal(created.$metadata.httpStatusCode, 202);
    assert.equal(created.DatasetMetadata?.Status, 'CREATE_IN_PROGRESS');
    await vigil.jobs.idle();
    const described = await describeDataset('cookies');
    assert.equal(described.Status, 'CREATE_COMPLETE', described.StatusMessage);
    assert.deepEqual(described.ImageStats, { Total: 63, Labeled: 63, Normal: 31, Anomaly: 32 });

    const entries = await allEntries({ ProjectName: 'cookies', DatasetType: 'train', MaxResults: 10 });
    const expected = manifestLines(manifest);
    assert.equal(entries.length, 63);
    assert.deepEqual(
      entries.map((e) => JSON.parse(e)),
      expected,
    );
    const anomaly1 = entries.map((e) => JSON.parse(e)).find((e) => String(e['source-ref']).endsWith('/anomaly-1.jpg'));
    assert.deepEqual(anomaly1['anomaly-mask-ref-metadata']['internal-color-map'], { '0': { 'class-name': 'cracked', 'hex-color': '#23A436' } });

    const project = (await client.send(new DescribeProjectCommand({ ProjectName: 'cookies' }))).ProjectDescription!;
    assert.deepEqual(
      project.Datasets?.map((d) => [d.DatasetType, d.Status]),
      [['train', 'CREATE_COMPLETE']],
    );
  });

  test('ListDatasetEntries filters by label, class, source-ref and creation date', async () => {
    const query = { ProjectName: 'cookies', DatasetType: 'train' };
    assert.equal((await allEntries({ ...query, AnomalyClass: 'anomaly' })).length, 32);
    assert.equal((await allEntries({ ...query, AnomalyClass: 'normal' })).length, 31);
    assert.equal((await allEntries({ ...query, Labeled: true })).length, 63);
    assert.equal((await allEntries({ ...query, Labeled: false })).length, 0);
    const matching = await allEntries({ ...query, SourceRefContains: 'anomaly-1' });
    assert.deepEqual(matching.map((e) => JSON.parse(e)['source-ref'].split('/').pop()).sort(), [
      'anomaly-1.jpg',
      'anomaly-10.jpg',
      'anomaly-11.jpg',
      'anomaly-12.jpg',
      'anomaly-13.jpg',
      'anomaly-14.jpg',
      'anomaly-15.jpg',
      'anomaly-16.jpg',
      'anomaly-17.jpg',
      'anomaly-18.jpg',
      'anomaly-19.jpg',
    ]);
    assert.equal((await allEntries({ ...query, BeforeCreationDate: new Date(Date.now() - 3600_000) })).length, 0);
    assert.equal((await allEntries({ ...query, AfterCreationDate: new Date(Date.now() - 3600_000) })).length, 63);
  });

  test('list parameters out of range are ValidationExceptions', async () => {
    const query = { ProjectName: 'cookies', DatasetType: 'train' };
    await rejects(client.send(new ListDatasetEntriesCommand({ ...query, MaxResults: 101 })), 'ValidationException');
    await rejects(client.send(new ListDatasetEntriesCommand({ ...query, MaxResults: 0 })), 'ValidationException');
    await rejects(client.send(new ListDatasetEntriesCommand({ ...query, NextToken: 'bm90LWEtdG9rZW4=' })), 'ValidationException', /pagination token/);
    await rejects(client.send(new ListDatasetEntriesCommand({ ...query, AnomalyClass: 'cracked' })), 'ValidationException');
    await rejects(client.send(new ListDatasetEntriesCommand({ ...query, SourceRefContains: '   ' })), 'ValidationException');
    await rejects(client.send(new ListDatasetEntriesCommand({ ProjectName: 'cookies', DatasetType: 'validation' })), 'ValidationException');
    await rejects(client.send(new ListDatasetEntriesCommand({ ProjectName: 'cookies', DatasetType: 'test' })), 'ResourceNotFoundException');
    await rejects(client.send(new ListDatasetEntriesCommand({ ProjectName: 'nope', DatasetType: 'train' })), 'ResourceNotFoundException');
  });

  test('CreateDataset refuses bad input and a second dataset of a type, with ClientToken idempotency', async () => {
    await rejects(client.send(new CreateDatasetCommand({ ProjectName: 'nope', DatasetType: 'train' })), 'ResourceNotFoundException');
    await rejects(client.send(new CreateDatasetCommand({ ProjectName: 'cookies', DatasetType: 'validation' })), 'ValidationException');
    await rejects(client.send(new CreateDatasetCommand({ ProjectName: 'cookies', DatasetType: 'test', DatasetSource: { GroundTruthManifest: {} } })), 'ValidationException');
    await rejects(
      client.send(new CreateDatasetCommand({ ProjectName: 'cookies', DatasetType: 'test', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: 'x', Key: 'm' } } } })),
      'ValidationException',
    );
    await rejects(client.send(new CreateDatasetCommand({ ProjectName: 'cookies', DatasetType: 'train' })), 'ConflictException', /already has a train dataset/);

    const first = await client.send(new CreateDatasetCommand({ ProjectName: 'cookies', DatasetType: 'test', ClientToken: 'token-1' }));
    assert.equal(first.DatasetMetadata?.Status, 'CREATE_COMPLETE');
    const again = await client.send(new CreateDatasetCommand({ ProjectName: 'cookies', DatasetType: 'test', ClientToken: 'token-1' }));
    assert.deepEqual(again.DatasetMetadata, first.DatasetMetadata);
    await rejects(
      client.send(new CreateDatasetCommand({ ProjectName: 'cookies', DatasetType: 'test', ClientToken: 'token-1', DatasetSource: fromManifest('train_segmentation.manifest') })),
      'ConflictException',
      /client token/,
    );
    await rejects(client.send(new CreateDatasetCommand({ ProjectName: 'cookies', DatasetType: 'test', ClientToken: 'bad token!' })), 'ValidationException');
    assert.deepEqual((await describeDataset('cookies', 'test')).ImageStats, { Total: 0, Labeled: 0, Normal: 0, Anomaly: 0 });
  });

  test('UpdateDatasetEntries replaces by source-ref and adds, and a failed update rolls back to the previous content', async () => {
    const before = await allEntries({ ProjectName: 'cookies', DatasetType: 'test' });
    assert.equal(before.length, 0);
    const changes = [cookie('normal-1.jpg'), cookie('normal-2.jpg'), cookie('anomaly-1.jpg', 'anomaly')].join('\n');
    const updated = await client.send(new UpdateDatasetEntriesCommand({ ProjectName: 'cookies', DatasetType: 'test', Changes: Buffer.from(changes) }));
    assert.equal(updated.$metadata.httpStatusCode, 202);
    assert.equal(updated.Status, 'UPDATE_IN_PROGRESS');
    await vigil.jobs.idle();
    let dataset = await describeDataset('cookies', 'test');
    assert.equal(dataset.Status, 'UPDATE_COMPLETE', dataset.StatusMessage);
    assert.deepEqual(dataset.ImageStats, { Total: 3, Labeled: 3, Normal: 2, Anomaly: 1 });

    // normal-2 becomes an anomaly (replaced, annotations of the old line dropped); normal-3 is added unlabelled.
    const relabel = [cookie('normal-2.jpg', 'anomaly'), cookie('normal-3.jpg', 'unknown-class')].join('\n');
    await client.send(new UpdateDatasetEntriesCommand({ ProjectName: 'cookies', DatasetType: 'test', Changes: Buffer.from(relabel) }));
    await vigil.jobs.idle();
    dataset = await describeDataset('cookies', 'test');
    assert.deepEqual(dataset.ImageStats, { Total: 4, Labeled: 3, Normal: 1, Anomaly: 2 });
    const good = await allEntries({ ProjectName: 'cookies', DatasetType: 'test' });
    const blobsBefore = await blobsUnder('projects/cookies/datasets/test/');
    assert.equal(blobsBefore.length, 5, 'four image copies and one entry list, old versions collected');

    const broken = [cookie('normal-4.jpg'), cookie('no-such-image.jpg')].join('\n');
    await client.send(new UpdateDatasetEntriesCommand({ ProjectName: 'cookies', DatasetType: 'test', Changes: Buffer.from(broken) }));
    await vigil.jobs.idle();
    dataset = await describeDataset('cookies', 'test');
    assert.equal(dataset.Status, 'UPDATE_FAILED_ROLLBACK_COMPLETE');
    assert.match(dataset.StatusMessage ?? '', /Manifest line 2 \(s3:\/\/cookie-bucket\/getting-started\/training-images\/no-such-image\.jpg\)/);
    assert.deepEqual(dataset.ImageStats, { Total: 4, Labeled: 3, Normal: 1, Anomaly: 2 });
    assert.deepEqual(await allEntries({ ProjectName: 'cookies', DatasetType: 'test' }), good);
    assert.deepEqual((await blobsUnder('projects/cookies/datasets/test/')).sort(), blobsBefore.sort());
  });

  test('UpdateDatasetEntries refuses bad Changes, other buckets, and a dataset that is busy', async () => {
    const update = (changes: Uint8Array) => client.send(new UpdateDatasetEntriesCommand({ ProjectName: 'cookies', DatasetType: 'test', Changes: changes }));
    await rejects(update(new Uint8Array()), 'ValidationException', /Changes/);
    await rejects(client.send(new UpdateDatasetEntriesCommand({ ProjectName: 'cookies', DatasetType: 'nope', Changes: Buffer.from('{}') })), 'ValidationException');
    await rejects(client.send(new UpdateDatasetEntriesCommand({ ProjectName: 'ghost', DatasetType: 'test', Changes: Buffer.from(cookie('normal-1.jpg')) })), 'ResourceNotFoundException');
    // Changes that are not JSON Lines manifest entries are refused at once; the dataset is untouched (no update starts).
    const unchanged = await describeDataset('cookies', 'test');
    await rejects(update(Buffer.from('source-ref,label\nx.jpg,normal')), 'ValidationException', /Changes line 1 is not valid JSON/);
    await rejects(update(Buffer.from(`${cookie('normal-1.jpg')}\n[1, 2]`)), 'ValidationException', /Changes line 2 is not a JSON object/);
    await rejects(update(Buffer.from(JSON.stringify({ 'anomaly-label': 1 }))), 'ValidationException', /Changes line 1 has no source-ref/);
    await rejects(update(Buffer.from('\n  \n')), 'ValidationException', /no manifest entries/);
    assert.deepEqual(await describeDataset('cookies', 'test'), unchanged);

    await update(Buffer.from(line('s3://other-bucket/x.jpg')));
    await vigil.jobs.idle();
    assert.match((await describeDataset('cookies', 'test')).StatusMessage ?? '', /one bucket \(cookie-bucket\)/);

    const many = Array.from({ length: 20 }, (_, i) => cookie(`normal-${i + 5}.jpg`)).join('\n');
    await update(Buffer.from(many));
    await rejects(update(Buffer.from(cookie('normal-30.jpg'))), 'ConflictException', /UPDATE_IN_PROGRESS/);
    await vigil.jobs.idle();
    assert.equal((await describeDataset('cookies', 'test')).ImageStats?.Total, 24);
  });

  test('a bad manifest fails the dataset with a message that names the line, and leaves no copies behind', async () => {
    await put('not-an-image.jpg', 'this is text, not a JPEG');
    await put('aliens/1.png', await readFile(join(ALIENS, 'normal', '1.png')));
    const mask = (maskKey: string) =>
      JSON.stringify({
        ...JSON.parse(cookie('anomaly-2.jpg', 'anomaly')),
        'anomaly-mask-ref': `s3://${BUCKET}/${maskKey}`,
        'anomaly-mask-ref-metadata': { 'internal-color-map': { '0': { 'class-name': 'scratch', 'hex-color': '#0000ff' } }, type: 'groundtruth/semantic-segmentation', 'human-annotated': 'yes' },
      });
    const cases: [string, string[], RegExp][] = [
      ['badjson', [cookie('normal-1.jpg'), '{"source-ref": '], /Manifest line 2 is not valid JSON/],
      ['nosource', [JSON.stringify({ 'anomaly-label': 1 })], /Manifest line 1 has no source-ref/],
      ['missing', [cookie('normal-1.jpg'), cookie('normal-404.jpg')], /Manifest line 2 .*cannot read the image/],
      ['notimage', [line(`s3://${BUCKET}/not-an-image.jpg`)], /neither a PNG nor a JPEG/],
      ['wrongsize', [cookie('normal-1.jpg'), line(`s3://${BUCKET}/aliens/1.png`)], /275×190 pixels; every image of project wrongsize must be 288×384/],
      ['maskcolour', [mask('getting-started/mask-images/anomaly-2.png')], /colour #23a436, which is not in its color map/],
      ['maskformat', [mask('getting-started/training-images/anomaly-2.jpg')], /masks must be PNG/],
      ['twobuckets', [cookie('normal-1.jpg'), line('s3://elsewhere/a.jpg')], /all images and masks of a dataset must be in one bucket/],
      ['duplicate', [cookie('normal-1.jpg'), cookie('normal-1.jpg')], /line 2 repeats the source-ref of line 1/],
      ['empty', [''], /no entries/],
    ];
    for (const [project, lines, message] of cases) {
      const dataset = await importLines(project, lines);
      assert.equal(dataset.Status, 'CREATE_FAILED', project);
      assert.match(dataset.StatusMessage ?? '', message, project);
      assert.deepEqual(dataset.ImageStats, { Total: 0, Labeled: 0, Normal: 0, Anomaly: 0 });
      assert.deepEqual(await blobsUnder(`projects/${project}/`), [], `${project} left copies behind`);
    }
    const missingManifest = await client.send(new CreateDatasetCommand({ ProjectName: 'badjson', DatasetType: 'test', DatasetSource: fromManifest('no-such.manifest') }));
    assert.equal(missingManifest.DatasetMetadata?.Status, 'CREATE_IN_PROGRESS');
    await vigil.jobs.idle();
    assert.match((await describeDataset('badjson', 'test')).StatusMessage ?? '', /Cannot read the manifest s3:\/\/cookie-bucket\/no-such\.manifest/);
  });

  test('deleting datasets: test first makes the project single-dataset; the project is deletable once empty', async () => {
    await rejects(client.send(new DeleteProjectCommand({ ProjectName: 'cookies' })), 'ConflictException', /datasets/);
    const deleted = await client.send(new DeleteDatasetCommand({ ProjectName: 'cookies', DatasetType: 'test' }));
    assert.equal(deleted.$metadata.httpStatusCode, 202);
    await vigil.jobs.idle();
    await rejects(client.send(new DescribeDatasetCommand({ ProjectName: 'cookies', DatasetType: 'test' })), 'ResourceNotFoundException');
    const project = (await client.send(new DescribeProjectCommand({ ProjectName: 'cookies' }))).ProjectDescription!;
    assert.deepEqual(
      project.Datasets?.map((d) => d.DatasetType),
      ['train'],
    );
    assert.deepEqual(await blobsUnder('projects/cookies/datasets/test/'), []);
    await rejects(client.send(new DeleteDatasetCommand({ ProjectName: 'cookies', DatasetType: 'test' })), 'ResourceNotFoundException');
    await client.send(new DeleteDatasetCommand({ ProjectName: 'cookies', DatasetType: 'train' }));
    await vigil.jobs.idle();
    await client.send(new DeleteProjectCommand({ ProjectName: 'cookies' }));
    assert.deepEqual(await blobsUnder('projects/cookies/'), []);
    // The source objects stay as the user wrote them.
    const source = await vigil.services.buckets.getObject(BUCKET, 'getting-started/training-images/normal-1.jpg');
    source.body.destroy();
    assert.equal(source.size, (await readFile(join(COOKIES, 'training-images', 'normal-1.jpg'))).length);
  });

  test('a project deleted while CreateDataset or CreateModel is in flight answers ResourceNotFoundException and leaves nothing', async () => {
    const { projects, datasets } = vigil.services;
    // One attempt: a retry would answer the deleted project's 404 and hide a first answer of 500.
    const once = vigil.lookoutVision({ maxAttempts: 1 });
    // The project passes CreateDataset's check and is deleted before the dataset is written: the window two clients can race into.
    await client.send(new CreateProjectCommand({ ProjectName: 'raced-dataset' }));
    const check = mock.method(projects, 'get', async (name: string) => {
      const found = await Projects.prototype.get.call(projects, name);
      check.mock.restore();
      await projects.delete({ projectName: name });
      return found;
    });
    await rejects(once.send(new CreateDatasetCommand({ ProjectName: 'raced-dataset', DatasetType: 'train' })), 'ResourceNotFoundException', /raced-dataset/);
    await rejects(client.send(new DescribeDatasetCommand({ ProjectName: 'raced-dataset', DatasetType: 'train' })), 'ResourceNotFoundException');

    // CreateModel: the train dataset was found, then it and the project are deleted before the model is written.
    await importLines('raced-model', [cookie('normal-1.jpg'), cookie('anomaly-1.jpg', 'anomaly')]);
    const found = mock.method(vigil.store.datasets, 'get', async (...args: Parameters<typeof vigil.store.datasets.get>) => {
      found.mock.restore();
      const dataset = await vigil.store.datasets.get(...args);
      await datasets.delete({ projectName: 'raced-model', datasetType: 'train' });
      await vigil.jobs.idle();
      await projects.delete({ projectName: 'raced-model' });
      return dataset;
    });
    const output = { S3Location: { Bucket: BUCKET, Prefix: 'raced/' } };
    await rejects(once.send(new CreateModelCommand({ ProjectName: 'raced-model', OutputConfig: output })), 'ResourceNotFoundException', /raced-model/);
    await rejects(client.send(new ListModelsCommand({ ProjectName: 'raced-model' })), 'ResourceNotFoundException');
    assert.deepEqual((await vigil.store.models.list('raced-model', 10)).items, []);
    once.destroy();
  });
});
