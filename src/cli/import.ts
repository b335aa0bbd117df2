import { randomUUID } from 'node:crypto';
import { open, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { CreateDatasetCommand, CreateProjectCommand, type DatasetDescription, DescribeDatasetCommand, DescribeProjectCommand, UpdateDatasetEntriesCommand } from '@aws-sdk/client-lookoutvision';
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SingleBar } from 'cli-progress';
import { type ConfigInput, loadConfig } from '../config.js';
import { type ImageFormat, imageFormatOf } from '../util/imageFormat.js';
import { type ApiClients, apiClients } from './apiClients.js';

export interface ImportOptions {
  project: string;
  dataset: 'train' | 'test';
  folder?: string;
  manifest?: string;
  imagesDir?: string;
  bucket: string;
  prefix?: string;
  endpoint?: string;
  caBundle?: string;
}

/** One file to upload and the manifest line that will refer to it. */
interface Upload {
  file: string;
  key: string;
}

const UPLOAD_CONCURRENCY = 4;
/** UpdateDatasetEntries takes at most 10,485,760 bytes of changes per call. */
const MAX_CHANGES_BYTES = 10_485_760;
const MIME: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg' };

/**
 * `vigil import`: the console-less way to fill a dataset. Uploads a folder (normal/ and anomaly/
 * subfolders, labelled by folder name as the Lookout for Vision console did) or a local manifest
 * with relative paths into a bucket, then creates the dataset from the manifest (or updates it
 * when it exists) through the same public APIs any AWS client uses, and waits for the result.
 */
export async function importDataset(flags: ConfigInput & { config?: string }, options: ImportOptions): Promise<DatasetDescription> {
  if (Boolean(options.folder) === Boolean(options.manifest)) throw new Error('give exactly one of --folder and --manifest');
  const config = loadConfig(flags);
  const clients = await apiClients(config, options);
  try {
    const prefix = (options.prefix ?? `${options.project}/${options.dataset}/${new Date().toISOString().replace(/[:.]/g, '-')}/`).replace(/^\/+/, '');
    const { uploads, lines } = options.folder
      ? await fromFolder(resolve(options.folder), options.bucket, prefix)
      : await fromManifest(resolve(options.manifest!), options.imagesDir, options.bucket, prefix);
    if (lines.length === 0) throw new Error('nothing to import: no images or manifest lines found');
    await ensureBucket(clients, options.bucket);
    await uploadAll(clients, options.bucket, uploads);
    await ensureProject(clients, options.project);
    await fillDataset(clients, options, prefix, lines);
    return await waitForDataset(clients, options.project, options.dataset);
  } finally {
    clients.destroy();
  }
}

async function fromFolder(folder: string, bucket: string, prefix: string): Promise<{ uploads: Upload[]; lines: string[] }> {
  const uploads: Upload[] = [];
  const lines: string[] = [];
  const date = new Date().toISOString();
  for (const className of ['normal', 'anomaly'] as const) {
    const dir = join(folder, className);
    const names = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of names.filter((n) => n.isFile()).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))) {
      const file = join(dir, entry.name);
      if (!(await imageType(file))) {
        process.stderr.write(`skipping ${file}: not a PNG or JPEG image\n`);
        continue;
      }
      const key = `${prefix}${className}/${safeName(entry.name)}`;
      uploads.push({ file, key });
      lines.push(
        JSON.stringify({
          'source-ref': `s3://${bucket}/${key}`,
          'anomaly-label': className === 'anomaly' ? 1 : 0,
          'anomaly-label-metadata': {
            'class-name': className,
            type: 'groundtruth/image-classification',
            'human-annotated': 'no',
            'job-name': 'vigil-import/auto-label',
            'creation-date': date,
          },
        }),
      );
    }
  }
  if (uploads.length === 0) throw new Error(`${folder} has no images in normal/ or anomaly/`);
  return { uploads, lines };
}

/** A local manifest: relative source-ref and *-ref paths are uploaded; s3:// references stay. */
async function fromManifest(manifest: string, imagesDir: string | undefined, bucket: string, prefix: string): Promise<{ uploads: Upload[]; lines: string[] }> {
  const base = resolve(imagesDir ?? dirname(manifest));
  const uploads = new Map<string, Upload>();
  const lines: string[] = [];
  const text = await readFile(manifest, 'utf8');
  let number = 0;
  for (const raw of text.split('\n')) {
    number += 1;
    if (raw.trim() === '') continue;
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new Error(`${manifest} line ${number} is not valid JSON`);
    }
    for (const [field, value] of Object.entries(line)) {
      if (!(field === 'source-ref' || field.endsWith('-ref')) || typeof value !== 'string' || value.startsWith('s3://')) continue;
      if (isAbsolute(value) || value.split(/[\\/]/).includes('..')) throw new Error(`${manifest} line ${number}: ${field} must be a path inside ${base}`);
      const file = join(base, value);
      const key = `${prefix}${value.split(/[\\/]/).map(safeName).join('/')}`;
      uploads.set(file, { file, key });
      line[field] = `s3://${bucket}/${key}`;
    }
    lines.push(JSON.stringify(line));
  }
  return { uploads: [...uploads.values()], lines };
}

async function ensureBucket(clients: ApiClients, bucket: string): Promise<void> {
  try {
    await clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw error;
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

async function uploadAll(clients: ApiClients, bucket: string, uploads: Upload[]): Promise<void> {
  const bar = new SingleBar({ format: 'uploading {bar} {value}/{total} images', stream: process.stderr, hideCursor: true });
  bar.start(uploads.length, 0);
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(UPLOAD_CONCURRENCY, uploads.length) }, async () => {
        while (next < uploads.length) {
          const { file, key } = uploads[next++];
          const body = await readFile(file).catch(() => {
            throw new Error(`cannot read ${file}`);
          });
          const type = await imageType(file);
          await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: type ? MIME[type] : undefined }));
          bar.increment();
        }
      }),
    );
  } finally {
    bar.stop();
  }
}

async function ensureProject(clients: ApiClients, project: string): Promise<void> {
  try {
    await clients.lookoutVision.send(new DescribeProjectCommand({ ProjectName: project }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    await clients.lookoutVision.send(new CreateProjectCommand({ ProjectName: project }));
  }
}

/** Creates the dataset from an uploaded manifest, or adds the lines to an existing one in ≤ 10 MiB batches. */
async function fillDataset(clients: ApiClients, options: ImportOptions, prefix: string, lines: string[]): Promise<void> {
  const existing = await clients.lookoutVision.send(new DescribeDatasetCommand({ ProjectName: options.project, DatasetType: options.dataset })).then(
    () => true,
    (error: Error) => {
      if (error.name !== 'ResourceNotFoundException') throw error;
      return false;
    },
  );
  if (!existing) {
    const key = `${prefix}${randomUUID()}.manifest`;
    await clients.s3.send(new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: `${lines.join('\n')}\n`, ContentType: 'application/x-ndjson' }));
    await clients.lookoutVision.send(
      new CreateDatasetCommand({
        ProjectName: options.project,
        DatasetType: options.dataset,
        DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: options.bucket, Key: key } } },
      }),
    );
    return;
  }
  let batch: string[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await waitForDataset(clients, options.project, options.dataset);
    await clients.lookoutVision.send(new UpdateDatasetEntriesCommand({ ProjectName: options.project, DatasetType: options.dataset, Changes: Buffer.from(batch.join('\n')) }));
    batch = [];
    bytes = 0;
  };
  for (const line of lines) {
    const size = Buffer.byteLength(line) + 1;
    if (bytes + size > MAX_CHANGES_BYTES) await flush();
    batch.push(line);
    bytes += size;
  }
  await flush();
}

/** Polls until the dataset is at rest; a failed import is an error carrying the dataset's own message. */
async function waitForDataset(clients: ApiClients, project: string, dataset: string): Promise<DatasetDescription> {
  for (;;) {
    const description = (await clients.lookoutVision.send(new DescribeDatasetCommand({ ProjectName: project, DatasetType: dataset }))).DatasetDescription!;
    const status = description.Status ?? '';
    if (!status.endsWith('_IN_PROGRESS')) {
      if (status.includes('FAILED')) throw new Error(`dataset ${project}/${dataset} is ${status}: ${description.StatusMessage ?? ''}`);
      return description;
    }
    await new Promise((done) => setTimeout(done, 300));
  }
}

async function imageType(file: string): Promise<ImageFormat | undefined> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(8), 0, 8, 0);
    return imageFormatOf(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** Object keys from file names: characters the manifest key pattern allows, others replaced. */
function safeName(name: string): string {
  return basename(name).replace(/[^a-zA-Z0-9!_.*'()-]/g, '_');
}
