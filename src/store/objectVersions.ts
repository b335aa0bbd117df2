/*
 * What a write or a removal does to the versions of one key, decided once for both metadata engines: each
 * engine reads the key's versions and the bucket's versioning state inside its transaction, asks here, and
 * carries out the answer (https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html).
 */
import { NULL_VERSION, type VersioningStatus } from './bucketRecords.js';

/** What an engine reads of each stored version of a key. */
export interface StoredVersion {
  versionId: string;
  sequence: number;
  isLatest: boolean;
  /** Absent for a delete marker. */
  blobKey?: string;
}

/**
 * A new latest version (object or delete marker): with versioning enabled it takes the given id and keeps the
 * others; never enabled or suspended, it is the "null" version and replaces the key's earlier "null" one.
 */
export function planNewVersion(existing: StoredVersion[], status: VersioningStatus | undefined, candidateId: string): { versionId: string; sequence: number; removed: StoredVersion[] } {
  const versionId = status === 'Enabled' ? candidateId : NULL_VERSION;
  const sequence = existing.reduce((largest, version) => Math.max(largest, version.sequence), 0) + 1;
  return { versionId, sequence, removed: existing.filter((version) => version.versionId === versionId) };
}

/** Removing one version for good: when it was the latest, the newest of the rest becomes the latest. */
export function planVersionRemoval(existing: StoredVersion[], versionId: string): { removed?: StoredVersion; promoted?: StoredVersion } {
  const removed = existing.find((version) => version.versionId === versionId);
  if (!removed) return {};
  const rest = existing.filter((version) => version !== removed);
  if (!removed.isLatest || rest.length === 0) return { removed };
  return { removed, promoted: rest.reduce((newest, version) => (version.sequence > newest.sequence ? version : newest)) };
}

/** The blobs that the removed versions held, other than the one just written (which is never obsolete). */
export function obsoleteBlobs(removed: StoredVersion[], writtenBlobKey?: string): string[] {
  return removed.flatMap((version) => (version.blobKey !== undefined && version.blobKey !== writtenBlobKey ? [version.blobKey] : []));
}
