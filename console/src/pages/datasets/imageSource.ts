import { CreateDatasetCommand, type DatasetDescription, ListDatasetEntriesCommand, UpdateDatasetEntriesCommand } from '@aws-sdk/client-lookoutvision';
import { paginateListObjectsV2 } from '@aws-sdk/client-s3';
import type { Clients } from '../../clients';
import { isImageKey } from '../../imageFiles';
import { getObjectText, putObjectBytes } from '../../s3Objects';
import { parseS3Uri, s3Uri } from '../../s3Uri';
import { type UploadOutcome, uploadImages } from '../../uploadImages';
import { waitForDataset } from '../../waitForDataset';
import { imageLine, parseEntry } from '../datasetEntry';

/** Where a dataset's images come from, as the Lookout for Vision console offered it. */
export type ImageSource = { kind: 'upload'; files: File[] } | { kind: 's3'; uri: string; autoLabel: boolean } | { kind: 'manifest'; uri: string };

/** What is wrong with a source before anything is sent, or undefined. */
export function sourceProblem(source: ImageSource): string | undefined {
  if (source.kind === 'upload') return source.files.length === 0 ? 'Choose at least one image.' : undefined;
  const location = parseS3Uri(source.uri);
  if (!location) return 'Enter an S3 URI of the form s3://bucket/prefix/.';
  if (source.kind === 'manifest' && (location.key === '' || location.key.endsWith('/'))) return 'Enter the S3 URI of the manifest file.';
  return undefined;
}

export interface SourceProgress {
  /** What is being done, in words. */
  step: string;
  /** Files uploaded so far, of total (uploads only). */
  done?: number;
  total?: number;
}

export interface AddImagesInput {
  clients: Clients;
  projectName: string;
  datasetType: string;
  source: ImageSource;
  /** The console bucket: uploads and the console's manifests go there. */
  consoleBucket: string;
  /** Whether the dataset exists already (images are added) or is created from the source. */
  exists: boolean;
  onProgress(progress: SourceProgress): void;
}

export interface AddImagesResult {
  dataset: DatasetDescription;
  /** Files that were not uploaded, with the reason. */
  failures: Extract<UploadOutcome, { error: string }>[];
}

/**
 * Creates the dataset from the source, or adds the source's images to it with UpdateDatasetEntries,
 * and waits until Vigil has imported them.
 */
export async function addImages(input: AddImagesInput): Promise<AddImagesResult> {
  const { clients, projectName, datasetType, source, exists } = input;
  const lfv = clients.lookoutVision;
  let failures: AddImagesResult['failures'] = [];
  let lines: string[];
  if (source.kind === 'manifest') {
    const manifest = parseS3Uri(source.uri)!;
    if (!exists) {
      input.onProgress({ step: 'Creating the dataset from the manifest' });
      await lfv.send(
        new CreateDatasetCommand({ ProjectName: projectName, DatasetType: datasetType, DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: manifest.bucket, Key: manifest.key } } } }),
      );
      return { dataset: await waitForDataset(lfv, projectName, datasetType), failures };
    }
    input.onProgress({ step: 'Reading the manifest' });
    lines = (await getObjectText(clients.s3, manifest.bucket, manifest.key)).split('\n').filter((line) => line.trim() !== '');
  } else if (source.kind === 's3') {
    input.onProgress({ step: `Listing the images under ${source.uri}` });
    lines = await prefixLines(clients, source.uri, source.autoLabel);
  } else {
    // All images of a dataset live in one bucket: added uploads join the bucket the dataset already uses.
    const bucket = (exists ? await datasetImageBucket(clients, projectName, datasetType) : undefined) ?? input.consoleBucket;
    const prefix = `datasets/${projectName}/${datasetType}/images/${stamp()}/`;
    input.onProgress({ step: 'Uploading', done: 0, total: source.files.length });
    const outcomes = await uploadImages(clients.s3, bucket, prefix, source.files, (done, total) => input.onProgress({ step: 'Uploading', done, total }));
    failures = outcomes.filter((o): o is AddImagesResult['failures'][number] => 'error' in o);
    lines = outcomes.flatMap((o) => ('key' in o ? [imageLine(s3Uri(bucket, o.key))] : []));
    if (lines.length === 0) throw Object.assign(new Error('None of the files was uploaded.'), { failures });
  }

  const changes = new TextEncoder().encode(lines.join('\n'));
  if (exists) {
    input.onProgress({ step: `Adding ${lines.length} image${lines.length === 1 ? '' : 's'} to the dataset` });
    await lfv.send(new UpdateDatasetEntriesCommand({ ProjectName: projectName, DatasetType: datasetType, Changes: changes }));
  } else {
    // The console keeps the manifest it wrote in its bucket, as Lookout for Vision's console did.
    const key = `datasets/${projectName}/${datasetType}/manifests/${stamp()}.manifest`;
    await putObjectBytes(clients.s3, input.consoleBucket, key, changes, 'application/x-ndjson');
    input.onProgress({ step: `Creating the dataset with ${lines.length} image${lines.length === 1 ? '' : 's'}` });
    await lfv.send(new CreateDatasetCommand({ ProjectName: projectName, DatasetType: datasetType, DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: input.consoleBucket, Key: key } } } }));
  }
  return { dataset: await waitForDataset(lfv, projectName, datasetType), failures };
}

/**
 * A line per image under the prefix. With automatic labelling only the images directly in its
 * normal/ and anomaly/ folders, labelled by the folder (deeper folders are ignored, as in Lookout
 * for Vision); without, every image under the prefix, unlabelled.
 */
async function prefixLines(clients: Clients, uri: string, autoLabel: boolean): Promise<string[]> {
  const location = parseS3Uri(uri)!;
  const prefix = location.key === '' || location.key.endsWith('/') ? location.key : `${location.key}/`;
  const lines: string[] = [];
  for await (const page of paginateListObjectsV2({ client: clients.s3 }, { Bucket: location.bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? []) {
      const key = object.Key ?? '';
      if (!isImageKey(key)) continue;
      const ref = s3Uri(location.bucket, key);
      if (!autoLabel) lines.push(imageLine(ref));
      else {
        const folder = /^(normal|anomaly)\/[^/]+$/.exec(key.slice(prefix.length));
        if (folder) lines.push(imageLine(ref, folder[1] as 'normal' | 'anomaly'));
      }
    }
  }
  if (lines.length === 0) {
    throw new Error(autoLabel ? `No PNG or JPEG images in normal/ or anomaly/ under ${s3Uri(location.bucket, prefix)}.` : `No PNG or JPEG images under ${s3Uri(location.bucket, prefix)}.`);
  }
  return lines;
}

/** The bucket a dataset's images are in, read from its first entry. */
async function datasetImageBucket(clients: Clients, projectName: string, datasetType: string): Promise<string | undefined> {
  const answer = await clients.lookoutVision.send(new ListDatasetEntriesCommand({ ProjectName: projectName, DatasetType: datasetType, MaxResults: 1 }));
  const first = answer.DatasetEntries?.[0];
  return first ? parseS3Uri(parseEntry(first).sourceRef)?.bucket : undefined;
}

/** A UTC time stamp for keys: 20260130T101500123Z. */
function stamp(): string {
  return new Date().toISOString().replace(/[-:.]/g, '');
}
