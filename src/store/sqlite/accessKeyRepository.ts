import type Database from 'better-sqlite3';
import type { AccessKeyRecord, AccessKeyRepository } from '../metadataStore.js';
import { accessKeyFromRow, type Row } from '../rows.js';

export class SqliteAccessKeys implements AccessKeyRepository {
  constructor(private readonly db: Database.Database) {}

  async create(key: AccessKeyRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO access_keys (access_key_id, sealed_secret, description, created_at, status) VALUES (?, ?, ?, ?, ?)')
      .run(key.accessKeyId, key.sealedSecret, key.description, key.createdAt.getTime(), key.status);
  }

  async get(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM access_keys WHERE access_key_id = ?').get(accessKeyId) as Row | undefined;
    return row && accessKeyFromRow(row);
  }

  async list(): Promise<AccessKeyRecord[]> {
    return (this.db.prepare('SELECT * FROM access_keys ORDER BY created_at, access_key_id').all() as Row[]).map(accessKeyFromRow);
  }
}
