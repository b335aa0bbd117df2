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
 * A new latest version (object or delete marker): with versioning enabled it gets a version id of its own (its
 * sequence, then the given random part) and keeps the others; never enabled or suspended, it is the "null"
 * version and replaces the key's earlier "null" one.
 */
export function planNewVersion(existing: StoredVersion[], status: VersioningStatus | undefined, randomPart: string): { versionId: string; sequence: number; removed: StoredVersion[] } {
  const sequence = existing.reduce((largest, version) => Math.max(largest, version.sequence), 0) + 1;
  const versionId = status === 'Enabled' ? versionIdOf(sequence, randomPart) : NULL_VERSION;
  return { versionId, sequence, removed: existing.filter((version) => version.versionId === versionId) };
}

const SEQUENCE_CHARS = 8;

/**
 * A version id starts with its sequence (6 bytes, base64url), so that a listing can resume after a version
 * that was deleted meanwhile (ListObjectVersions' version-id-marker): tools empty a bucket page by page.
 */
function versionIdOf(sequence: number, randomPart: string): string {
  const bytes = Buffer.alloc(6);
  bytes.writeUIntBE(sequence, 0, 6);
  return bytes.toString('base64url') + randomPart;
}

/** The sequence a version id was given, or undefined for "null" and ids this store did not make. */
export function sequenceOfVersionId(versionId: string): number | undefined {
  const head = versionId.slice(0, SEQUENCE_CHARS);
  if (versionId.length <= SEQUENCE_CHARS || !/^[A-Za-z0-9_-]{8}$/.test(head)) return undefined;
  return Buffer.from(head, 'base64url').readUIntBE(0, 6);
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
