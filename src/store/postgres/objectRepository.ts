import type pg from 'pg';
import { MissingBucketError, type ObjectRecord, type ObjectRepository } from '../bucketRecords.js';
import { objectFromRow } from '../rows.js';
import { inTransaction, type Queryable } from './database.js';

export class PostgresObjects implements ObjectRepository {
  constructor(private readonly pool: pg.Pool) {}

  async get(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM bucket_objects WHERE bucket = $1 AND key = $2', [bucket, key]);
    return rows[0] && objectFromRow(rows[0]);
  }

  async put(object: ObjectRecord): Promise<{ replacedBlobKey?: string }> {
    return inTransaction(this.pool, (client) => replaceObject(client, object));
  }

  async delete(bucket: string, key: string): Promise<string | undefined> {
    const { rows } = await this.pool.query('DELETE FROM bucket_objects WHERE bucket = $1 AND key = $2 RETURNING blob_key', [bucket, key]);
    return rows[0]?.blob_key;
  }

  async referencesBlob(blobKey: string): Promise<boolean> {
    return ((await this.pool.query('SELECT 1 FROM bucket_objects WHERE blob_key = $1', [blobKey])).rowCount ?? 0) > 0;
  }

  async list(bucket: string, options: { after?: string; from?: string; limit: number }): Promise<ObjectRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM bucket_objects WHERE bucket = $1 AND key > $2 AND key >= $3 ORDER BY key LIMIT $4', [
      bucket,
      options.after ?? '',
      options.from ?? '',
      options.limit,
    ]);
    return rows.map(objectFromRow);
  }
}

/**
 * Inserts or replaces an object row inside the caller's transaction; returns the replaced row's blob key,
 * which the caller deletes after the commit. Of two nodes writing the same key at once, each learns the
 * blob key it replaced, so no blob is left unreferenced and none is deleted while a row points at it.
 */
export async function replaceObject(client: Queryable, object: ObjectRecord): Promise<{ replacedBlobKey?: string }> {
  // FOR KEY SHARE: a concurrent DeleteBucket (FOR UPDATE) waits for this write, or this write sees the bucket gone.
  if ((await client.query('SELECT 1 FROM buckets WHERE name = $1 FOR KEY SHARE', [object.bucket])).rowCount === 0) throw new MissingBucketError(`no bucket ${object.bucket}`);
  const values = [
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
  ];
  for (;;) {
    const old = await client.query('SELECT blob_key FROM bucket_objects WHERE bucket = $1 AND key = $2 FOR UPDATE', [object.bucket, object.key]);
    if (old.rows[0]) {
      await client.query(
        `UPDATE bucket_objects SET blob_key = $3, size = $4, etag = $5, headers = $6, metadata = $7, last_modified = $8,
           sse_algorithm = $9, kms_key_id = $10, checksums = $11, part_count = $12 WHERE bucket = $1 AND key = $2`,
        values,
      );
      const replaced = old.rows[0].blob_key as string;
      return { replacedBlobKey: replaced === object.blobKey ? undefined : replaced };
    }
    const inserted = await client.query(
      `INSERT INTO bucket_objects (bucket, key, blob_key, size, etag, headers, metadata, last_modified, sse_algorithm, kms_key_id, checksums, part_count)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (bucket, key) DO NOTHING`,
      values,
    );
    if (inserted.rowCount === 1) return {};
    // Another node inserted this key between the two statements: lock its row and replace it.
  }
}
