import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import type { Buckets } from '../../src/service/buckets.js';
import type { TestVigil } from './vigil.js';

/** The shared sample datasets (CC BY-SA 4.0, see ../shared/datasets/README.md); read-only. */
export const DATASETS = join(process.cwd(), '..', 'shared', 'datasets');
export const COOKIES = join(DATASETS, 'cookies');
export const ALIENS = join(DATASETS, 'aliens');

/** The all-background mask the cookie manifest gives its normal images (not shipped with the samples). */
export function dummyMask(width = 576, height = 768): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).png().toBuffer();
}

/**
 * The cookie manifest as a user would upload it: every s3:// reference pointed at `bucket`,
 * under the same getting-started/ keys as in AWS's sample.
 */
export async function cookieManifest(bucket: string, name = 'train_segmentation.manifest'): Promise<string> {
  const text = await readFile(join(COOKIES, 'manifests', name), 'utf8');
  return text.replaceAll(/s3:\/\/[^/"]+\//g, `s3://${bucket}/`);
}

/** Puts the cookie images, masks and the dummy mask into a bucket through the buckets service. */
export async function putCookieImages(buckets: Buckets, bucket: string): Promise<void> {
  const put = (key: string, body: Buffer) => buckets.putObject({ bucket, key, body: Readable.from([body]) });
  for (const folder of ['training-images', 'mask-images']) {
    for (const file of await readdir(join(COOKIES, folder))) {
      await put(`getting-started/${folder}/${file}`, await readFile(join(COOKIES, folder, file)));
    }
  }
  await put('getting-started/mask-images/dummy_anomaly_mask.png', await dummyMask());
}

export function manifestLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A single-dataset aliens project with the fewest images training accepts (20 normal, 10 anomalous). */
export async function aliensProject(vigil: TestVigil): Promise<void> {
  const { buckets, projects, datasets } = vigil.services;
  await buckets.createBucket('aliens');
  const lines: string[] = [];
  for (const [className, count] of [['normal', 20], ['anomaly', 10]] as const) {
    for (let i = 1; i <= count; i++) {
      const key = `${className}/${i}.png`;
      await buckets.putObject({ bucket: 'aliens', key, body: Readable.from([await readFile(join(ALIENS, key))]) });
      lines.push(JSON.stringify({ 'source-ref': `s3://aliens/${key}`, 'anomaly-label': 1, 'anomaly-label-metadata': { 'class-name': className, type: 'groundtruth/image-classification' } }));
    }
  }
  await buckets.putObject({ bucket: 'aliens', key: 'm', body: Readable.from([Buffer.from(lines.join('\n'))]) });
  await projects.create({ projectName: 'aliens' });
  await datasets.create({ projectName: 'aliens', datasetType: 'train', datasetSource: { GroundTruthManifest: { S3Object: { Bucket: 'aliens', Key: 'm' } } } });
  await vigil.jobs.idle();
}
