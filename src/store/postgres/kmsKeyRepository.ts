import type pg from 'pg';
import type { KmsKeyRecord, KmsKeyRepository, KmsKeyState, KmsKeyVersionRecord, Page } from '../metadataStore.js';
import { kmsKeyFromRow, toDate } from '../rows.js';
import { inTransaction } from './database.js';

export class PostgresKmsKeys implements KmsKeyRepository {
  constructor(private readonly pool: pg.Pool) {}

  async create(key: Omit<KmsKeyRecord, 'currentVersion'>, first: Omit<KmsKeyVersionRecord, 'keyId' | 'version'>): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO kms_keys (key_id, arn, description, key_manager, state, created_at, deletion_date, current_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1)`,
        [key.keyId, key.arn, key.description, key.keyManager, key.state, key.createdAt.getTime(), key.deletionDate?.getTime() ?? null],
      );
      await client.query('INSERT INTO kms_key_versions (key_id, version, sealed_material, created_at) VALUES ($1, 1, $2, $3)', [key.keyId, first.sealedMaterial, first.createdAt.getTime()]);
    });
  }

  async get(keyId: string): Promise<KmsKeyRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM kms_keys WHERE key_id = $1', [keyId]);
    return rows[0] && kmsKeyFromRow(rows[0]);
  }

  async list(keyManager: KmsKeyRecord['keyManager'], limit: number, after?: string): Promise<Page<KmsKeyRecord>> {
    const { rows } = await this.pool.query('SELECT * FROM kms_keys WHERE key_manager = $1 AND key_id > $2 ORDER BY key_id LIMIT $3', [keyManager, after ?? '', limit + 1]);
    const items = rows.slice(0, limit).map(kmsKeyFromRow);
    return { items, next: rows.length > limit ? items[items.length - 1].keyId : undefined };
  }

  async createAlias(aliasName: string, keyId: string, createdAt: Date): Promise<boolean> {
    const result = await this.pool.query('INSERT INTO kms_aliases (alias_name, key_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [aliasName, keyId, createdAt.getTime()]);
    return result.rowCount === 1;
  }

  async deleteAlias(aliasName: string): Promise<boolean> {
    return (await this.pool.query('DELETE FROM kms_aliases WHERE alias_name = $1', [aliasName])).rowCount === 1;
  }

  async updateAlias(aliasName: string, keyId: string): Promise<boolean> {
    // One statement: the row lock orders it after a concurrent delete, which then leaves nothing to update.
    return (await this.pool.query('UPDATE kms_aliases SET key_id = $1 WHERE alias_name = $2', [keyId, aliasName])).rowCount === 1;
  }

  async setRotation(keyId: string, periodDays?: number, nextRotation?: Date): Promise<void> {
    await this.pool.query('UPDATE kms_keys SET rotation_period_days = $1, next_rotation = $2 WHERE key_id = $3', [periodDays ?? null, nextRotation?.getTime() ?? null, keyId]);
  }

  async dueForRotation(now: Date): Promise<string[]> {
    const { rows } = await this.pool.query("SELECT key_id FROM kms_keys WHERE state = 'Enabled' AND next_rotation IS NOT NULL AND next_rotation <= $1", [now.getTime()]);
    return rows.map((row) => row.key_id as string);
  }

  async tagsOf(keyId: string): Promise<{ key: string; value: string }[]> {
    const { rows } = await this.pool.query('SELECT tag_key, tag_value FROM kms_key_tags WHERE key_id = $1 ORDER BY tag_key', [keyId]);
    return rows.map((row) => ({ key: row.tag_key as string, value: row.tag_value as string }));
  }

  async setTags(keyId: string, tags: { key: string; value: string }[]): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      // Two nodes replacing a key's tags at once: the key row lock makes one replacement follow the other whole.
      await client.query('SELECT 1 FROM kms_keys WHERE key_id = $1 FOR UPDATE', [keyId]);
      await client.query('DELETE FROM kms_key_tags WHERE key_id = $1', [keyId]);
      for (const tag of tags) await client.query('INSERT INTO kms_key_tags (key_id, tag_key, tag_value) VALUES ($1, $2, $3)', [keyId, tag.key, tag.value]);
    });
  }

  async aliasTarget(aliasName: string): Promise<string | undefined> {
    const { rows } = await this.pool.query('SELECT key_id FROM kms_aliases WHERE alias_name = $1', [aliasName]);
    return rows[0]?.key_id;
  }

  async listAliases(limit: number, after?: string, keyId?: string): Promise<Page<{ aliasName: string; keyId: string; createdAt: Date }>> {
    const { rows } =
      keyId === undefined
        ? await this.pool.query('SELECT * FROM kms_aliases WHERE alias_name > $1 ORDER BY alias_name LIMIT $2', [after ?? '', limit + 1])
        : await this.pool.query('SELECT * FROM kms_aliases WHERE alias_name > $1 AND key_id = $2 ORDER BY alias_name LIMIT $3', [after ?? '', keyId, limit + 1]);
    const items = rows.slice(0, limit).map((row) => ({ aliasName: row.alias_name as string, keyId: row.key_id as string, createdAt: toDate(row.created_at) }));
    return { items, next: rows.length > limit ? items[items.length - 1].aliasName : undefined };
  }

  async getVersion(keyId: string, version: number): Promise<KmsKeyVersionRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM kms_key_versions WHERE key_id = $1 AND version = $2', [keyId, version]);
    if (!rows[0]) return undefined;
    return { keyId, version, sealedMaterial: rows[0].sealed_material as Buffer, createdAt: toDate(rows[0].created_at) };
  }

  async addVersion(keyId: string, version: Omit<KmsKeyVersionRecord, 'keyId' | 'version'>): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      // Locked: two nodes rotating the same key get consecutive versions, never the same one twice.
      const { rows } = await client.query('SELECT current_version FROM kms_keys WHERE key_id = $1 FOR UPDATE', [keyId]);
      if (!rows[0]) throw new Error(`no KMS key ${keyId}`);
      const next = (rows[0].current_version as number) + 1;
      await client.query('INSERT INTO kms_key_versions (key_id, version, sealed_material, created_at) VALUES ($1, $2, $3, $4)', [keyId, next, version.sealedMaterial, version.createdAt.getTime()]);
      await client.query('UPDATE kms_keys SET current_version = $1 WHERE key_id = $2', [next, keyId]);
      return next;
    });
  }

  async setState(keyId: string, state: KmsKeyState, deletionDate?: Date, from?: readonly KmsKeyState[]): Promise<boolean> {
    const result =
      from === undefined
        ? await this.pool.query('UPDATE kms_keys SET state = $1, deletion_date = $2 WHERE key_id = $3', [state, deletionDate?.getTime() ?? null, keyId])
        : await this.pool.query('UPDATE kms_keys SET state = $1, deletion_date = $2 WHERE key_id = $3 AND state = ANY($4::text[])', [state, deletionDate?.getTime() ?? null, keyId, [...from]]);
    return result.rowCount === 1;
  }

  async destroy(keyId: string, dueBy?: Date): Promise<boolean> {
    // Versions and aliases go with the key (ON DELETE CASCADE). With dueBy, only a key still pending
    // deletion and due: a CancelKeyDeletion that committed first on another node keeps the key.
    const result =
      dueBy === undefined
        ? await this.pool.query('DELETE FROM kms_keys WHERE key_id = $1', [keyId])
        : await this.pool.query("DELETE FROM kms_keys WHERE key_id = $1 AND state = 'PendingDeletion' AND deletion_date <= $2", [keyId, dueBy.getTime()]);
    return result.rowCount === 1;
  }

  async dueForDeletion(now: Date): Promise<string[]> {
    const { rows } = await this.pool.query("SELECT key_id FROM kms_keys WHERE state = 'PendingDeletion' AND deletion_date <= $1", [now.getTime()]);
    return rows.map((row) => row.key_id as string);
  }
}
