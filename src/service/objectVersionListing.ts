import type { ObjectRepository, ObjectVersion, VersionPosition } from '../store/bucketRecords.js';

export interface ListVersionsInput {
  prefix?: string;
  delimiter?: string;
  /** 0..1000 versions, delete markers and common prefixes together. */
  maxKeys: number;
  /** List strictly after this place: a key-marker alone skips all of that key's versions. */
  after?: VersionPosition;
}

export interface VersionListing {
  versions: ObjectVersion[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** NextKeyMarker and NextVersionIdMarker when truncated (no version id after a common prefix). */
  next?: { keyMarker: string; versionIdMarker?: string };
}

/** Past every key that starts with prefix, in UTF-8 byte order: U+10FFFF is the largest code point. */
const PAST = '\u{10FFFF}';
const BATCH = 1000;

/**
 * ListObjectVersions over the repository's versions (by key in UTF-8 byte order, each key's newest first): those
 * under the prefix, keys with the delimiter after the prefix rolled up into common prefixes, versions, delete
 * markers and prefixes counting together against maxKeys.
 */
export async function listVersionPage(objects: ObjectRepository, bucket: string, input: ListVersionsInput): Promise<VersionListing> {
  const prefix = input.prefix ?? '';
  const delimiter = input.delimiter || undefined;
  const listing: VersionListing = { versions: [], commonPrefixes: [], isTruncated: false };
  if (input.maxKeys === 0) return listing;
  let position: VersionPosition | undefined = input.after;
  let last: { keyMarker: string; versionIdMarker?: string } | undefined;
  for (;;) {
    const batch = await objects.listVersions(bucket, { after: position, from: prefix, limit: BATCH });
    if (batch.length === 0) return listing;
    let skipped = false;
    for (const version of batch) {
      if (!version.key.startsWith(prefix)) return listing;
      const rest = version.key.slice(prefix.length);
      const cut = delimiter === undefined ? -1 : rest.indexOf(delimiter);
      const commonPrefix = cut < 0 ? undefined : prefix + rest.slice(0, cut + delimiter!.length);
      // A key-marker inside a common prefix (the NextKeyMarker of a page that ended on it) skips all of it.
      const passed = commonPrefix !== undefined && input.after !== undefined && Buffer.compare(Buffer.from(commonPrefix), Buffer.from(input.after.key)) <= 0;
      if (commonPrefix !== undefined && (passed || commonPrefix === listing.commonPrefixes[listing.commonPrefixes.length - 1])) {
        position = { key: commonPrefix + PAST };
        skipped = true;
        break;
      }
      if (listing.versions.length + listing.commonPrefixes.length === input.maxKeys) {
        listing.isTruncated = true;
        listing.next = last;
        return listing;
      }
      if (commonPrefix === undefined) {
        listing.versions.push(version);
        last = { keyMarker: version.key, versionIdMarker: version.versionId };
        position = { key: version.key, sequence: version.sequence };
      } else {
        listing.commonPrefixes.push(commonPrefix);
        last = { keyMarker: commonPrefix };
        position = { key: commonPrefix + PAST };
        skipped = true;
        break; // skip the rest of this common prefix with a fresh query
      }
    }
    if (!skipped && batch.length < BATCH) return listing;
  }
}
