import type Database from 'better-sqlite3';
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
import { OBJECT_COLUMNS, objectFromRow, objectRowValues, type Row, versionFromRow } from '../rows.js';

export class SqliteObjects implements ObjectRepository {
  constructor(private readonly db: Database.Database) {}

  async get(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM bucket_objects WHERE bucket = ? AND key = ? AND is_latest = 1 AND delete_marker = 0').get(bucket, key) as Row | undefined;
    return row && objectFromRow(row);
  }

  async latest(bucket: string, key: string): Promise<ObjectVersion | undefined> {
    const row = this.db.prepare('SELECT * FROM bucket_objects WHERE bucket = ? AND key = ? AND is_latest = 1').get(bucket, key) as Row | undefined;
    return row && versionFromRow(row);
  }

  async getVersion(bucket: string, key: string, versionId: string): Promise<ObjectVersion | undefined> {
    const row = this.db.prepare('SELECT * FROM bucket_objects WHERE bucket = ? AND key = ? AND version_id = ?').get(bucket, key, versionId) as Row | undefined;
    return row && versionFromRow(row);
  }

  async put(object: ObjectRecord): Promise<VersionWrite> {
    return this.db.transaction(() => writeLatestVersion(this.db, object)).immediate();
  }

  async delete(bucket: string, key: string, markerVersionId: string): Promise<VersionWrite & { deleteMarker: boolean }> {
    return this.db
      .transaction(() => {
        const status = bucketVersioning(this.db, bucket);
        if (status === undefined) {
          const removed = removeVersion(this.db, bucket, key, 'null');
          return { versionId: 'null', obsoleteBlobKeys: removed?.deleteMarker === false ? [removed.blobKey] : [], deleteMarker: false };
        }
        const marker: DeleteMarkerRecord = { bucket, key, versionId: markerVersionId, lastModified: new Date() };
        return { ...writeLatestVersion(this.db, marker), deleteMarker: true };
      })
      .immediate();
  }

  async deleteVersion(bucket: string, key: string, versionId: string, expected?: { sequence: number; isLatest: boolean }): Promise<ObjectVersion | undefined> {
    return this.db.transaction(() => removeVersion(this.db, bucket, key, versionId, expected)).immediate();
  }

  async expireLatest(bucket: string, key: string, sequence: number, markerVersionId: string): Promise<(VersionWrite & { deleteMarker: boolean }) | undefined> {
    return this.db
      .transaction(() => {
        const latest = this.db.prepare('SELECT version_id, seq, delete_marker FROM bucket_objects WHERE bucket = ? AND key = ? AND is_latest = 1').get(bucket, key) as Row | undefined;
        if (!latest || latest.seq !== sequence || latest.delete_marker === 1) return undefined;
        if (bucketVersioning(this.db, bucket) === undefined) {
          const removed = removeVersion(this.db, bucket, key, latest.version_id as string);
          return { versionId: 'null', obsoleteBlobKeys: removed?.deleteMarker === false ? [removed.blobKey] : [], deleteMarker: false };
        }
        const marker: DeleteMarkerRecord = { bucket, key, versionId: markerVersionId, lastModified: new Date() };
        return { ...writeLatestVersion(this.db, marker), deleteMarker: true };
      })
      .immediate();
  }

  async setTags(bucket: string, key: string, versionId: string, tags: Record<string, string>): Promise<boolean> {
    const result = this.db.prepare('UPDATE bucket_objects SET tags = ? WHERE bucket = ? AND key = ? AND version_id = ? AND delete_marker = 0').run(JSON.stringify(tags), bucket, key, versionId);
    return result.changes === 1;
  }

  async referencesBlob(blobKey: string): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM bucket_objects WHERE blob_key = ?').get(blobKey) !== undefined;
  }

  async list(bucket: string, options: { after?: string; from?: string; limit: number }): Promise<ObjectRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM bucket_objects WHERE bucket = ? AND is_latest = 1 AND delete_marker = 0 AND key > ? AND key >= ? ORDER BY key LIMIT ?')
      .all(bucket, options.after ?? '', options.from ?? '', options.limit) as Row[];
    return rows.map(objectFromRow);
  }

  async listVersions(bucket: string, options: { after?: VersionPosition; from?: string; limit: number }): Promise<ObjectVersion[]> {
    const after = options.after ?? { key: '' };
    const rows = this.db
      .prepare('SELECT * FROM bucket_objects WHERE bucket = ? AND key >= ? AND (key > ? OR (key = ? AND seq < ?)) ORDER BY key, seq DESC LIMIT ?')
      .all(bucket, options.from ?? '', after.key, after.key, after.sequence ?? -1, options.limit) as Row[];
    return rows.map(versionFromRow);
  }
}

function bucketVersioning(db: Database.Database, bucket: string): VersioningStatus | undefined {
  const row = db.prepare('SELECT versioning FROM buckets WHERE name = ?').get(bucket) as Row | undefined;
  if (!row) throw new MissingBucketError(`no bucket ${bucket}`);
  return (row.versioning as VersioningStatus | null) ?? undefined;
}

function storedVersions(db: Database.Database, bucket: string, key: string): StoredVersion[] {
  const rows = db.prepare('SELECT version_id, seq, is_latest, blob_key FROM bucket_objects WHERE bucket = ? AND key = ?').all(bucket, key) as Row[];
  return rows.map((row) => ({ versionId: row.version_id as string, sequence: row.seq as number, isLatest: row.is_latest === 1, blobKey: (row.blob_key as string | null) ?? undefined }));
}

/**
 * Writes an object (or, without a blob key, a delete marker) as the key's latest version; call inside a
 * transaction. Returns its version id and the blobs of the versions it replaced.
 */
export function writeLatestVersion(db: Database.Database, version: ObjectRecord | DeleteMarkerRecord): VersionWrite {
  const status = bucketVersioning(db, version.bucket);
  const plan = planNewVersion(storedVersions(db, version.bucket, version.key), status, version.versionId);
  for (const removed of plan.removed) db.prepare('DELETE FROM bucket_objects WHERE bucket = ? AND key = ? AND version_id = ?').run(version.bucket, version.key, removed.versionId);
  db.prepare('UPDATE bucket_objects SET is_latest = 0 WHERE bucket = ? AND key = ? AND is_latest = 1').run(version.bucket, version.key);
  const values = objectRowValues({ ...version, versionId: plan.versionId }, plan.sequence, (flag) => (flag ? 1 : 0));
  db.prepare(`INSERT INTO bucket_objects (${OBJECT_COLUMNS}) VALUES (${values.map(() => '?').join(', ')})`).run(...values);
  return { versionId: plan.versionId, obsoleteBlobKeys: obsoleteBlobs(plan.removed, 'blobKey' in version ? version.blobKey : undefined) };
}

function removeVersion(db: Database.Database, bucket: string, key: string, versionId: string, expected?: { sequence: number; isLatest: boolean }): ObjectVersion | undefined {
  const plan = planVersionRemoval(storedVersions(db, bucket, key), versionId);
  if (!plan.removed || (expected && (plan.removed.sequence !== expected.sequence || plan.removed.isLatest !== expected.isLatest))) return undefined;
  const row = db.prepare('DELETE FROM bucket_objects WHERE bucket = ? AND key = ? AND version_id = ? RETURNING *').get(bucket, key, versionId) as Row;
  if (plan.promoted) db.prepare('UPDATE bucket_objects SET is_latest = 1 WHERE bucket = ? AND key = ? AND version_id = ?').run(bucket, key, plan.promoted.versionId);
  return versionFromRow(row);
}
