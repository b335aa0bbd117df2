import type pg from 'pg';
import {
  type DeleteMarkerRecord,
  MissingBucketError,
  type ObjectRecord,
  type ObjectRepository,
  type ObjectVersion,
  type VersioningStatus,
  type VersionPosition,
  type VersionWrite,
} from '../bucketRecords.js';
import { obsoleteBlobs, planNewVersion, planVersionRemoval, type StoredVersion } from '../objectVersions.js';
import { OBJECT_COLUMNS, objectFromRow, objectRowValues, versionFromRow } from '../rows.js';
import { inTransaction, placeholders, type Queryable } from './database.js';

export class PostgresObjects implements ObjectRepository {
  constructor(private readonly pool: pg.Pool) {}

  async get(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM bucket_objects WHERE bucket = $1 AND key = $2 AND is_latest AND NOT delete_marker', [bucket, key]);
    return rows[0] && objectFromRow(rows[0]);
  }

  async latest(bucket: string, key: string): Promise<ObjectVersion | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM bucket_objects WHERE bucket = $1 AND key = $2 AND is_latest', [bucket, key]);
    return rows[0] && versionFromRow(rows[0]);
  }

  async getVersion(bucket: string, key: string, versionId: string): Promise<ObjectVersion | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM bucket_objects WHERE bucket = $1 AND key = $2 AND version_id = $3', [bucket, key, versionId]);
    return rows[0] && versionFromRow(rows[0]);
  }

  async put(object: ObjectRecord): Promise<VersionWrite> {
    return inTransaction(this.pool, (client) => writeLatestVersion(client, object));
  }

  async delete(bucket: string, key: string, markerVersionId: string): Promise<VersionWrite & { deleteMarker: boolean }> {
    return inTransaction(this.pool, async (client) => {
      const status = await lockKey(client, bucket, key);
      if (status === undefined) {
        const removed = await removeVersion(client, bucket, key, 'null');
        return { versionId: 'null', obsoleteBlobKeys: removed?.deleteMarker === false ? [removed.blobKey] : [], deleteMarker: false };
      }
      const marker: DeleteMarkerRecord = { bucket, key, versionId: markerVersionId, lastModified: new Date() };
      return { ...(await writeLatestVersion(client, marker)), deleteMarker: true };
    });
  }

  async deleteVersion(bucket: string, key: string, versionId: string, expected?: { sequence: number; isLatest: boolean }): Promise<ObjectVersion | undefined> {
    return inTransaction(this.pool, async (client) => {
      await lockKey(client, bucket, key);
      return removeVersion(client, bucket, key, versionId, expected);
    }).catch((error) => {
      // Removing a version of a bucket that is gone removes nothing.
      if (error instanceof MissingBucketError) return undefined;
      throw error;
    });
  }

  async expireLatest(bucket: string, key: string, sequence: number, markerVersionId: string): Promise<(VersionWrite & { deleteMarker: boolean }) | undefined> {
    return inTransaction(this.pool, async (client) => {
      const status = await lockKey(client, bucket, key);
      const { rows } = await client.query('SELECT version_id, seq, delete_marker FROM bucket_objects WHERE bucket = $1 AND key = $2 AND is_latest', [bucket, key]);
      const latest = rows[0];
      if (!latest || Number(latest.seq) !== sequence || latest.delete_marker) return undefined;
      if (status === undefined) {
        const removed = await removeVersion(client, bucket, key, latest.version_id as string);
        return { versionId: 'null', obsoleteBlobKeys: removed?.deleteMarker === false ? [removed.blobKey] : [], deleteMarker: false };
      }
      const marker: DeleteMarkerRecord = { bucket, key, versionId: markerVersionId, lastModified: new Date() };
      return { ...(await writeLatestVersion(client, marker)), deleteMarker: true };
    }).catch((error) => {
      if (error instanceof MissingBucketError) return undefined;
      throw error;
    });
  }

  async setTags(bucket: string, key: string, versionId: string, tags: Record<string, string>): Promise<boolean> {
    const result = await this.pool.query('UPDATE bucket_objects SET tags = $1 WHERE bucket = $2 AND key = $3 AND version_id = $4 AND NOT delete_marker', [
      JSON.stringify(tags),
      bucket,
      key,
      versionId,
    ]);
    return result.rowCount === 1;
  }

  async referencesBlob(blobKey: string): Promise<boolean> {
    return ((await this.pool.query('SELECT 1 FROM bucket_objects WHERE blob_key = $1', [blobKey])).rowCount ?? 0) > 0;
  }

  async list(bucket: string, options: { after?: string; from?: string; limit: number }): Promise<ObjectRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM bucket_objects WHERE bucket = $1 AND is_latest AND NOT delete_marker AND key > $2 AND key >= $3 ORDER BY key LIMIT $4', [
      bucket,
      options.after ?? '',
      options.from ?? '',
      options.limit,
    ]);
    return rows.map(objectFromRow);
  }

  async listVersions(bucket: string, options: { after?: VersionPosition; from?: string; limit: number }): Promise<ObjectVersion[]> {
    const after = options.after ?? { key: '' };
    const { rows } = await this.pool.query('SELECT * FROM bucket_objects WHERE bucket = $1 AND key >= $2 AND (key > $3 OR (key = $3 AND seq < $4)) ORDER BY key, seq DESC LIMIT $5', [
      bucket,
      options.from ?? '',
      after.key,
      after.sequence ?? -1,
      options.limit,
    ]);
    return rows.map(versionFromRow);
  }
}

/**
 * Inside the caller's transaction: the bucket's versioning state, with the bucket row locked FOR KEY SHARE (a
 * concurrent DeleteBucket, FOR UPDATE, waits for this write, or this write sees the bucket gone), and the key
 * locked for the rest of the transaction, so that writes of one key from several nodes take their turns.
 */
async function lockKey(client: Queryable, bucket: string, key: string): Promise<VersioningStatus | undefined> {
  const { rows } = await client.query('SELECT versioning FROM buckets WHERE name = $1 FOR KEY SHARE', [bucket]);
  if (rows.length === 0) throw new MissingBucketError(`no bucket ${bucket}`);
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${bucket}/${key}`]);
  return (rows[0].versioning as VersioningStatus | null) ?? undefined;
}

async function storedVersions(client: Queryable, bucket: string, key: string): Promise<StoredVersion[]> {
  const { rows } = await client.query('SELECT version_id, seq, is_latest, blob_key FROM bucket_objects WHERE bucket = $1 AND key = $2', [bucket, key]);
  return rows.map((row) => ({ versionId: row.version_id as string, sequence: Number(row.seq), isLatest: row.is_latest as boolean, blobKey: (row.blob_key as string | null) ?? undefined }));
}

/**
 * Writes an object (or, without a blob key, a delete marker) as the key's latest version inside the caller's
 * transaction. Returns its version id and the blobs of the versions it replaced, which the caller deletes after
 * the commit: of two nodes writing one key at once, each learns what it replaced, so no blob is lost or leaked.
 */
export async function writeLatestVersion(client: Queryable, version: ObjectRecord | DeleteMarkerRecord): Promise<VersionWrite> {
  const status = await lockKey(client, version.bucket, version.key);
  const plan = planNewVersion(await storedVersions(client, version.bucket, version.key), status, version.versionId);
  for (const removed of plan.removed) {
    await client.query('DELETE FROM bucket_objects WHERE bucket = $1 AND key = $2 AND version_id = $3', [version.bucket, version.key, removed.versionId]);
  }
  await client.query('UPDATE bucket_objects SET is_latest = FALSE WHERE bucket = $1 AND key = $2 AND is_latest', [version.bucket, version.key]);
  const values = objectRowValues({ ...version, versionId: plan.versionId }, plan.sequence, (flag) => flag);
  await client.query(`INSERT INTO bucket_objects (${OBJECT_COLUMNS}) VALUES (${placeholders(values.length)})`, values);
  return { versionId: plan.versionId, obsoleteBlobKeys: obsoleteBlobs(plan.removed, 'blobKey' in version ? version.blobKey : undefined) };
}

async function removeVersion(client: Queryable, bucket: string, key: string, versionId: string, expected?: { sequence: number; isLatest: boolean }): Promise<ObjectVersion | undefined> {
  const plan = planVersionRemoval(await storedVersions(client, bucket, key), versionId);
  if (!plan.removed || (expected && (plan.removed.sequence !== expected.sequence || plan.removed.isLatest !== expected.isLatest))) return undefined;
  const { rows } = await client.query('DELETE FROM bucket_objects WHERE bucket = $1 AND key = $2 AND version_id = $3 RETURNING *', [bucket, key, versionId]);
  if (plan.promoted) await client.query('UPDATE bucket_objects SET is_latest = TRUE WHERE bucket = $1 AND key = $2 AND version_id = $3', [bucket, key, plan.promoted.versionId]);
  return versionFromRow(rows[0]);
}
