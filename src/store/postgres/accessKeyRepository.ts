import type pg from 'pg';
import type { AccessKeyRecord, AccessKeyRepository } from '../metadataStore.js';
import { accessKeyFromRow } from '../rows.js';

export class PostgresAccessKeys implements AccessKeyRepository {
  constructor(private readonly pool: pg.Pool) {}

  async create(key: AccessKeyRecord): Promise<void> {
    await this.pool.query('INSERT INTO access_keys (access_key_id, sealed_secret, description, created_at, status) VALUES ($1, $2, $3, $4, $5)', [
      key.accessKeyId,
      key.sealedSecret,
      key.description,
      key.createdAt.getTime(),
      key.status,
    ]);
  }

  async get(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM access_keys WHERE access_key_id = $1', [accessKeyId]);
    return rows[0] && accessKeyFromRow(rows[0]);
  }

  async list(): Promise<AccessKeyRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM access_keys ORDER BY created_at, access_key_id');
    return rows.map(accessKeyFromRow);
  }
}
