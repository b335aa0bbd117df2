import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { CreateDatasetCommand, CreateModelCommand, CreateProjectCommand, DescribeModelCommand, type LookoutVisionClient, StartModelCommand } from '@aws-sdk/client-lookoutvision';
import sharp from 'sharp';
import type { Buckets } from '../../src/service/buckets.js';
import type { TestVigil } from './vigil.js';

/**
 * The sample photos kept with the tests (test/fixtures: sources, licences and what was kept in its
 * README.md); read-only. Found from this file, so the tests run from any working directory
 * (compiled, this is <outDir>/test/helpers/datasets.js; the fixtures stay in the source tree).
 */
export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
/** 31 + 32 training images (288×384) with masks and manifests, 14 + 8 test images. */
export const COOKIES = join(FIXTURES, 'cookies');
/** Normals 1–40, anomalies 1–30, 45 and 50 (275×190 PNG). */
export const ALIENS = join(FIXTURES, 'aliens');
/** One normal and one anomalous circuit-board photo (1000×667). */
export const BOARDS = join(FIXTURES, 'circuitboard');
/** The size of every cookie fixture. */
export const COOKIE_SIZE = { width: 288, height: 384 } as const;

/** The all-background mask the cookie manifest gives its normal images (not shipped with the samples). */
export function dummyMask(width: number = COOKIE_SIZE.width, height: number = COOKIE_SIZE.height): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer();
}

/**
 * The cookie manifest as a user would upload it: every s3:// reference pointed at `bucket`,
 * under the same getting-started/ keys as in AWS's sample. `cookies`: the fixtures or another copy
 * of the sample's cookies folder (the benchmarks use the full-size one).
 */
export async function cookieManifest(bucket: string, name = 'train_segmentation.manifest', cookies = COOKIES): Promise<string> {
  const text = await readFile(join(cookies, 'manifests', name), 'utf8');
  return text.replaceAll(/s3:\/\/[^/"]+\//g, `s3://${bucket}/`);
}

/** Puts the cookie images, masks and a dummy mask of their size into a bucket through the buckets service. */
export async function putCookieImages(buckets: Buckets, bucket: string, cookies = COOKIES): Promise<void> {
  const put = (key: string, body: Buffer) => buckets.putObject({ bucket, key, body: Readable.from([body]) });
  for (const folder of ['training-images', 'mask-images']) {
    for (const file of await readdir(join(cookies, folder))) {
      await put(`getting-started/${folder}/${file}`, await readFile(join(cookies, folder, file)));
    }
  }
  const [first] = (await readdir(join(cookies, 'training-images'))).sort();
  const { width, height } = await sharp(join(cookies, 'training-images', first!)).metadata();
  await put('getting-started/mask-images/dummy_anomaly_mask.png', await dummyMask(width, height));
}

export function manifestLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export interface LabeledImage {
  key: string;
  image: Buffer;
  /** Its classification manifest line, naming the image in the given bucket. */
  line: string;
}

/** The fewest aliens images training accepts (20 normal, 10 anomalous) with their manifest lines for `bucket`; `extra` members join every line. */
export async function aliensTrainingSet(bucket: string, extra: Record<string, unknown> = {}): Promise<LabeledImage[]> {
  const set: LabeledImage[] = [];
  for (const [className, count] of [
    ['normal', 20],
    ['anomaly', 10],
  ] as const) {
    for (let i = 1; i <= count; i++) {
      const key = `${className}/${i}.png`;
      const label = { 'anomaly-label': 1, 'anomaly-label-metadata': { 'class-name': className, type: 'groundtruth/image-classification' } };
      set.push({ key, image: await readFile(join(ALIENS, key)), line: JSON.stringify({ 'source-ref': `s3://${bucket}/${key}`, ...extra, ...label }) });
    }
  }
  return set;
}

/** A single-dataset aliens project with the fewest images training accepts (20 normal, 10 anomalous). */
export async function aliensProject(vigil: TestVigil): Promise<void> {
  const { buckets, projects, datasets } = vigil.services;
  await buckets.createBucket('aliens');
  const set = await aliensTrainingSet('aliens');
  for (const { key, image } of set) await buckets.putObject({ bucket: 'aliens', key, body: Readable.from([image]) });
  await buckets.putObject({ bucket: 'aliens', key: 'm', body: Readable.from([Buffer.from(set.map((s) => s.line).join('\n'))]) });
  await projects.create({ projectName: 'aliens' });
  await datasets.create({ projectName: 'aliens', datasetType: 'train', manifest: { Bucket: 'aliens', Key: 'm' } });
  await vigil.jobs.idle();
}

/** The aliens project (aliensProject) with model 1 trained through the API and hosted on one inference unit. */
export async function hostedAliensModel(vigil: TestVigil, client: LookoutVisionClient): Promise<void> {
  await aliensProject(vigil);
  await client.send(new CreateModelCommand({ ProjectName: 'aliens', OutputConfig: { S3Location: { Bucket: 'aliens', Prefix: 'out/' } } }));
  await vigil.jobs.idle();
  await client.send(new StartModelCommand({ ProjectName: 'aliens', ModelVersion: '1', MinInferenceUnits: 1 }));
  await vigil.jobs.idle();
  const model = (await client.send(new DescribeModelCommand({ ProjectName: 'aliens', ModelVersion: '1' }))).ModelDescription!;
  assert.equal(model.Status, 'HOSTED', model.StatusMessage);
}

/** The cookies project, its training images the train dataset, created through the Lookout for Vision API; returns once imported. */
export async function cookiesProject(vigil: TestVigil, client: LookoutVisionClient): Promise<void> {
  const { buckets } = vigil.services;
  await buckets.createBucket('cookies');
  await putCookieImages(buckets, 'cookies');
  await buckets.putObject({ bucket: 'cookies', key: 'train.manifest', body: Readable.from([Buffer.from(await cookieManifest('cookies'))]) });
  await client.send(new CreateProjectCommand({ ProjectName: 'cookies' }));
  await client.send(new CreateDatasetCommand({ ProjectName: 'cookies', DatasetType: 'train', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: 'cookies', Key: 'train.manifest' } } } }));
  await vigil.jobs.idle();
}
