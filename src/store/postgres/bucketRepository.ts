import type pg from 'pg';
import type { BucketRecord, BucketRepository, VersioningStatus } from '../bucketRecords.js';
import type { LifecycleRule } from '../lifecycleRecords.js';
import { bucketFromRow } from '../rows.js';
import { inTransaction } from './database.js';

export class PostgresBuckets implements BucketRepository {
  constructor(private readonly pool: pg.Pool) {}

  async create(bucket: BucketRecord): Promise<boolean> {
    const result = await this.pool.query('INSERT INTO buckets (name, created_at, sse_algorithm, kms_key_id) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING', [
      bucket.name,
      bucket.createdAt.getTime(),
      bucket.encryption?.algorithm ?? null,
      bucket.encryption?.kmsKeyId ?? null,
    ]);
    return result.rowCount === 1;
  }

  async get(name: string): Promise<BucketRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM buckets WHERE name = $1', [name]);
    return rows[0] && bucketFromRow(rows[0]);
  }

  async list(): Promise<BucketRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM buckets ORDER BY name');
    return rows.map(bucketFromRow);
  }

  async delete(name: string): Promise<'deleted' | 'missing' | 'not-empty'> {
    return inTransaction(this.pool, async (client) => {
      // Writers lock the bucket row FOR KEY SHARE before adding an object or upload: either they wait for
      // this delete (and then find no bucket) or this waits for them (and then finds their rows).
      if ((await client.query('SELECT 1 FROM buckets WHERE name = $1 FOR UPDATE', [name])).rowCount === 0) return 'missing';
      if ((await client.query('SELECT 1 FROM bucket_objects WHERE bucket = $1 LIMIT 1', [name])).rowCount) return 'not-empty';
      if ((await client.query('SELECT 1 FROM multipart_uploads WHERE bucket = $1 LIMIT 1', [name])).rowCount) return 'not-empty';
      await client.query('DELETE FROM buckets WHERE name = $1', [name]);
      return 'deleted';
    });
  }

  async setEncryption(name: string, encryption: BucketRecord['encryption']): Promise<boolean> {
    const result = await this.pool.query('UPDATE buckets SET sse_algorithm = $1, kms_key_id = $2 WHERE name = $3', [encryption?.algorithm ?? null, encryption?.kmsKeyId ?? null, name]);
    return result.rowCount === 1;
  }

  async setVersioning(name: string, status: VersioningStatus): Promise<boolean> {
    return (await this.pool.query('UPDATE buckets SET versioning = $1 WHERE name = $2', [status, name])).rowCount === 1;
  }

  async setLifecycle(name: string, rules: LifecycleRule[] | undefined): Promise<boolean> {
    return (await this.pool.query('UPDATE buckets SET lifecycle = $1 WHERE name = $2', [rules === undefined ? null : JSON.stringify(rules), name])).rowCount === 1;
  }

  async withLifecycle(): Promise<string[]> {
    const { rows } = await this.pool.query('SELECT name FROM buckets WHERE lifecycle IS NOT NULL ORDER BY name');
    return rows.map((row) => row.name as string);
  }
}
