import type Database from 'better-sqlite3';
import type { BucketRecord, BucketRepository, VersioningStatus } from '../bucketRecords.js';
import type { LifecycleRule } from '../lifecycleRecords.js';
import { bucketFromRow, type Row } from '../rows.js';

export class SqliteBuckets implements BucketRepository {
  constructor(private readonly db: Database.Database) {}

  async create(bucket: BucketRecord): Promise<boolean> {
    const result = this.db
      .prepare('INSERT INTO buckets (name, created_at, sse_algorithm, kms_key_id) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING')
      .run(bucket.name, bucket.createdAt.getTime(), bucket.encryption?.algorithm ?? null, bucket.encryption?.kmsKeyId ?? null);
    return result.changes === 1;
  }

  async get(name: string): Promise<BucketRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM buckets WHERE name = ?').get(name) as Row | undefined;
    return row && bucketFromRow(row);
  }

  async list(): Promise<BucketRecord[]> {
    return (this.db.prepare('SELECT * FROM buckets ORDER BY name').all() as Row[]).map(bucketFromRow);
  }

  async delete(name: string): Promise<'deleted' | 'missing' | 'not-empty'> {
    return this.db
      .transaction(() => {
        if (!this.db.prepare('SELECT 1 FROM buckets WHERE name = ?').get(name)) return 'missing' as const;
        if (this.db.prepare('SELECT 1 FROM bucket_objects WHERE bucket = ? LIMIT 1').get(name)) return 'not-empty' as const;
        if (this.db.prepare('SELECT 1 FROM multipart_uploads WHERE bucket = ? LIMIT 1').get(name)) return 'not-empty' as const;
        this.db.prepare('DELETE FROM buckets WHERE name = ?').run(name);
        return 'deleted' as const;
      })
      .immediate();
  }

  async setEncryption(name: string, encryption: BucketRecord['encryption']): Promise<boolean> {
    const result = this.db.prepare('UPDATE buckets SET sse_algorithm = ?, kms_key_id = ? WHERE name = ?').run(encryption?.algorithm ?? null, encryption?.kmsKeyId ?? null, name);
    return result.changes === 1;
  }

  async setVersioning(name: string, status: VersioningStatus): Promise<boolean> {
    return this.db.prepare('UPDATE buckets SET versioning = ? WHERE name = ?').run(status, name).changes === 1;
  }

  async setLifecycle(name: string, rules: LifecycleRule[] | undefined): Promise<boolean> {
    return this.db.prepare('UPDATE buckets SET lifecycle = ? WHERE name = ?').run(rules === undefined ? null : JSON.stringify(rules), name).changes === 1;
  }

  async withLifecycle(): Promise<string[]> {
    return (this.db.prepare('SELECT name FROM buckets WHERE lifecycle IS NOT NULL ORDER BY name').all() as Row[]).map((row) => row.name as string);
  }
}
