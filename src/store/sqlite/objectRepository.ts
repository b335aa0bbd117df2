import type Database from 'better-sqlite3';
import { MissingBucketError, type ObjectRecord, type ObjectRepository } from '../bucketRecords.js';
import { objectFromRow, type Row } from '../rows.js';

export class SqliteObjects implements ObjectRepository {
  constructor(private readonly db: Database.Database) {}

  async get(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM bucket_objects WHERE bucket = ? AND key = ?').get(bucket, key) as Row | undefined;
    return row && objectFromRow(row);
  }

  async put(object: ObjectRecord): Promise<{ replacedBlobKey?: string }> {
    return this.db.transaction(() => replaceObject(this.db, object)).immediate();
  }

  async delete(bucket: string, key: string): Promise<string | undefined> {
    const row = this.db.prepare('DELETE FROM bucket_objects WHERE bucket = ? AND key = ? RETURNING blob_key').get(bucket, key) as Row | undefined;
    return row?.blob_key as string | undefined;
  }

  async referencesBlob(blobKey: string): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM bucket_objects WHERE blob_key = ?').get(blobKey) !== undefined;
  }

  async list(bucket: string, options: { after?: string; from?: string; limit: number }): Promise<ObjectRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM bucket_objects WHERE bucket = ? AND key > ? AND key >= ? ORDER BY key LIMIT ?')
      .all(bucket, options.after ?? '', options.from ?? '', options.limit) as Row[];
    return rows.map(objectFromRow);
  }
}

/** Inserts or replaces an object row; call inside a transaction. Returns the replaced row's blob key. */
export function replaceObject(db: Database.Database, object: ObjectRecord): { replacedBlobKey?: string } {
  if (!db.prepare('SELECT 1 FROM buckets WHERE name = ?').get(object.bucket)) throw new MissingBucketError(`no bucket ${object.bucket}`);
  const old = db.prepare('SELECT blob_key FROM bucket_objects WHERE bucket = ? AND key = ?').get(object.bucket, object.key) as Row | undefined;
  db.prepare(
    `INSERT OR REPLACE INTO bucket_objects
       (bucket, key, blob_key, size, etag, headers, metadata, last_modified, sse_algorithm, kms_key_id, checksums, part_count)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    object.bucket,
    object.key,
    object.blobKey,
    object.size,
    object.eTag,
    JSON.stringify(object.headers),
    JSON.stringify(object.metadata),
    object.lastModified.getTime(),
    object.sseAlgorithm,
    object.kmsKeyId,
    JSON.stringify(object.checksums),
    object.partCount ?? null,
  );
  const replaced = old?.blob_key as string | undefined;
  return { replacedBlobKey: replaced === object.blobKey ? undefined : replaced };
}
