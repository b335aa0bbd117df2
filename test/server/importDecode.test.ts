import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { CreateDatasetCommand, CreateProjectCommand, DescribeDatasetCommand, type LookoutVisionClient } from '@aws-sdk/client-lookoutvision';
import sharp from 'sharp';
import { ALIENS } from '../helpers/datasets.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

const BUCKET = 'imports';

describe('dataset imports decode every image', () => {
  let vigil: TestVigil;
  let client: LookoutVisionClient;
  const put = (key: string, body: Buffer | string) => vigil.services.buckets.putObject({ bucket: BUCKET, key, body: Readable.from([Buffer.from(body)]) });
  const line = (key: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      'source-ref': `s3://${BUCKET}/${key}`,
      'anomaly-label': 0,
      'anomaly-label-metadata': { 'class-name': 'normal', type: 'groundtruth/image-classification', 'human-annotated': 'yes' },
      ...extra,
    });
  const importLines = async (project: string, lines: string[]) => {
    await client.send(new CreateProjectCommand({ ProjectName: project }));
    await put(`${project}.manifest`, lines.join('\n'));
    await client.send(new CreateDatasetCommand({ ProjectName: project, DatasetType: 'train', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: BUCKET, Key: `${project}.manifest` } } } }));
    await vigil.jobs.idle();
    return (await client.send(new DescribeDatasetCommand({ ProjectName: project, DatasetType: 'train' }))).DatasetDescription!;
  };

  before(async () => {
    vigil = await startTestVigil();
    client = vigil.lookoutVision();
    await vigil.services.buckets.createBucket(BUCKET);
    const png = await readFile(join(ALIENS, 'normal', '1.png'));
    const jpeg = await sharp(png).jpeg({ quality: 90 }).toBuffer();
    const flipped = Buffer.from(png);
    flipped[Math.floor(png.length * 0.6)] ^= 0xff;
    for (const i of [1, 2, 3]) await put(`good/${i}.png`, await readFile(join(ALIENS, 'normal', `${i}.png`)));
    await put('good/1.jpg', jpeg);
    await put('bad/cut90.png', png.subarray(0, Math.floor(png.length * 0.9)));
    await put('bad/cut50.jpg', jpeg.subarray(0, Math.floor(jpeg.length * 0.5)));
    await put('bad/flipped.png', flipped);
    await put('bad/no-iend.png', png.subarray(0, png.length - 12));
    // A class mask cut short: the image is whole, its mask is not.
    const { width, height } = await sharp(png).metadata();
    const mask = await sharp({ create: { width: width!, height: height!, channels: 3, background: '#000000' } })
      .png()
      .toBuffer();
    await put('bad/mask-cut.png', mask.subarray(0, Math.floor(mask.length * 0.7)));
  });
  after(async () => {
    client?.destroy();
    await vigil?.stop();
  });

  test('whole images import', async () => {
    const dataset = await importLines('whole', [line('good/1.png'), line('good/2.png'), line('good/3.png')]);
    assert.equal(dataset.Status, 'CREATE_COMPLETE', dataset.StatusMessage);
    assert.equal(dataset.ImageStats?.Total, 3);
  });

  test('a truncated or corrupt image fails the import, naming its manifest line', async () => {
    const maskLine = line('good/3.png', {
      'anomaly-label': 1,
      'anomaly-label-metadata': { 'class-name': 'anomaly', type: 'groundtruth/image-classification', 'human-annotated': 'yes' },
      'anomaly-mask-ref': `s3://${BUCKET}/bad/mask-cut.png`,
      'anomaly-mask-ref-metadata': { 'internal-color-map': { '0': { 'class-name': 'dent', 'hex-color': '#ff0000' } }, type: 'groundtruth/semantic-segmentation', 'human-annotated': 'yes' },
    });
    const cases: [string, string[], RegExp][] = [
      ['cutpng', [line('good/1.png'), line('good/2.png'), line('bad/cut90.png')], /^Manifest line 3 \(s3:\/\/imports\/bad\/cut90\.png\): the image cannot be decoded/],
      ['cutjpeg', [line('good/1.jpg'), line('bad/cut50.jpg')], /^Manifest line 2 \(s3:\/\/imports\/bad\/cut50\.jpg\): the image cannot be decoded/],
      ['flipped', [line('bad/flipped.png'), line('good/1.png')], /^Manifest line 1 \(s3:\/\/imports\/bad\/flipped\.png\): the image cannot be decoded/],
      ['noiend', [line('good/1.png'), line('bad/no-iend.png')], /^Manifest line 2 \(s3:\/\/imports\/bad\/no-iend\.png\): the image cannot be decoded/],
      ['cutmask', [line('good/1.png'), maskLine], /^Manifest line 2 \(s3:\/\/imports\/good\/3\.png\): the mask s3:\/\/imports\/bad\/mask-cut\.png cannot be decoded/],
    ];
    for (const [project, lines, message] of cases) {
      const dataset = await importLines(project, lines);
      assert.equal(dataset.Status, 'CREATE_FAILED', `${project}: ${dataset.StatusMessage}`);
      assert.match(dataset.StatusMessage ?? '', message, project);
      assert.deepEqual(dataset.ImageStats, { Total: 0, Labeled: 0, Normal: 0, Anomaly: 0 });
    }
  });
});
