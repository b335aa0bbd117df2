import { paginateListObjectsV2 } from '@aws-sdk/client-s3';
import type { Clients } from '../clients';
import { isImageKey } from '../imageFiles';
import { getObjectBytes } from '../s3Objects';
import { parseS3Uri, s3Uri } from '../s3Uri';

/** At most as many images per trial detection as Lookout for Vision's console took. */
export const MAX_TRIAL_IMAGES = 2000;

/** One image of a trial detection: its name and how to read its bytes. */
export interface TrialSource {
  name: string;
  read(): Promise<Uint8Array>;
}

/** Images chosen on the computer. */
export function fileSources(files: readonly File[]): TrialSource[] {
  return files.map((file) => ({ name: file.name, read: async () => new Uint8Array(await file.arrayBuffer()) }));
}

/**
 * The PNG and JPEG images (by extension, as the S3 import chooses them) under an S3 prefix, at any depth, in key
 * order; each named by its key below the prefix and read with GetObject when its turn comes. Throws with a
 * message for a malformed URI, a prefix with no images or one with more than MAX_TRIAL_IMAGES.
 */
export async function prefixSources(clients: Clients, uri: string): Promise<TrialSource[]> {
  const location = parseS3Uri(uri);
  if (!location) throw new Error('Enter an S3 URI of the form s3://bucket/prefix/.');
  const prefix = location.key === '' || location.key.endsWith('/') ? location.key : `${location.key}/`;
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: clients.s3 }, { Bucket: location.bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? []) if (object.Key && isImageKey(object.Key)) keys.push(object.Key);
    if (keys.length > MAX_TRIAL_IMAGES) throw new Error(`There are more than ${MAX_TRIAL_IMAGES} images under ${s3Uri(location.bucket, prefix)}; choose a narrower prefix.`);
  }
  if (keys.length === 0) throw new Error(`No PNG or JPEG images under ${s3Uri(location.bucket, prefix)}.`);
  return keys.map((key) => ({ name: key.slice(prefix.length), read: async () => (await getObjectBytes(clients.s3, location.bucket, key)).bytes }));
}
