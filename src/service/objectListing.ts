import type { ObjectRecord, ObjectRepository } from '../store/bucketRecords.js';

export interface ListObjectsInput {
  prefix?: string;
  delimiter?: string;
  /** 0..1000 keys and common prefixes together. */
  maxKeys: number;
  /** List strictly after this key (StartAfter, Marker, or a decoded continuation token). */
  after?: string;
}

export interface ObjectListing {
  objects: ObjectRecord[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** Where the next page starts (exclusive) when truncated: the last key, or past the last common prefix. */
  nextAfter?: string;
  /** The last key or common prefix of this page when truncated (ListObjects V1's NextMarker). */
  nextMarker?: string;
}

/** Past every key that starts with prefix, in UTF-8 byte order: U+10FFFF is the largest code point. */
const PAST = '\u{10FFFF}';
const BATCH = 1000;

/**
 * ListObjects(V2) over the repository's UTF-8 ordered keys: keys under the prefix, those with the
 * delimiter after the prefix rolled up into common prefixes, keys and prefixes counting together
 * against maxKeys.
 */
export async function listObjectPage(objects: ObjectRepository, bucket: string, input: ListObjectsInput): Promise<ObjectListing> {
  const prefix = input.prefix ?? '';
  const delimiter = input.delimiter || undefined;
  const listing: ObjectListing = { objects: [], commonPrefixes: [], isTruncated: false };
  if (input.maxKeys === 0) return listing;
  let after = input.after !== undefined && input.after >= prefix ? input.after : undefined;
  let count = 0;
  let lastEntry: string | undefined;
  for (;;) {
    const batch = await objects.list(bucket, { after, from: prefix, limit: BATCH });
    if (batch.length === 0) return listing;
    for (const object of batch) {
      if (!object.key.startsWith(prefix)) return listing;
      const rest = object.key.slice(prefix.length);
      const cut = delimiter === undefined ? -1 : rest.indexOf(delimiter);
      const commonPrefix = cut < 0 ? undefined : prefix + rest.slice(0, cut + delimiter!.length);
      if (commonPrefix !== undefined && commonPrefix === listing.commonPrefixes[listing.commonPrefixes.length - 1]) {
        after = object.key;
        continue;
      }
      // A marker naming a common prefix (V1 NextMarker, or StartAfter) skips everything under it.
      if (commonPrefix !== undefined && input.after !== undefined && Buffer.compare(Buffer.from(commonPrefix), Buffer.from(input.after)) <= 0) {
        after = commonPrefix + PAST;
        break;
      }
      if (count === input.maxKeys) {
        listing.isTruncated = true;
        listing.nextAfter = lastEntry;
        listing.nextMarker = lastEntry!.endsWith(PAST) ? lastEntry!.slice(0, -PAST.length) : lastEntry;
        return listing;
      }
      count++;
      if (commonPrefix === undefined) {
        listing.objects.push(object);
        lastEntry = object.key;
        after = object.key;
      } else {
        listing.commonPrefixes.push(commonPrefix);
        lastEntry = commonPrefix + PAST;
        after = lastEntry;
        break; // skip the rest of this common prefix with a fresh query
      }
    }
    if (batch.length < BATCH && after === batch[batch.length - 1].key) return listing;
  }
}
