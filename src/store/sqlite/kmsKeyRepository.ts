import type Database from 'better-sqlite3';
import type { KmsKeyRecord, KmsKeyRepository, KmsKeyState, KmsKeyVersionRecord, Page } from '../metadataStore.js';
import { kmsKeyFromRow, type Row, toDate } from '../rows.js';

export class SqliteKmsKeys implements KmsKeyRepository {
  constructor(private readonly db: Database.Database) {}

  async create(key: Omit<KmsKeyRecord, 'currentVersion'>, first: Omit<KmsKeyVersionRecord, 'keyId' | 'version'>): Promise<void> {
    this.db
      .transaction(() => {
        this.db
          .prepare(
            `INSERT INTO kms_keys (key_id, arn, description, key_manager, state, created_at, deletion_date, current_version)
           VALUES (?, ?, ?, ?, ?, ?, ?, 1)`,
          )
          .run(key.keyId, key.arn, key.description, key.keyManager, key.state, key.createdAt.getTime(), key.deletionDate?.getTime() ?? null);
        this.db.prepare('INSERT INTO kms_key_versions (key_id, version, sealed_material, created_at) VALUES (?, 1, ?, ?)').run(key.keyId, first.sealedMaterial, first.createdAt.getTime());
      })
      .immediate();
  }

  async get(keyId: string): Promise<KmsKeyRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM kms_keys WHERE key_id = ?').get(keyId) as Row | undefined;
    return row && kmsKeyFromRow(row);
  }

  async list(keyManager: KmsKeyRecord['keyManager'], limit: number, after?: string): Promise<Page<KmsKeyRecord>> {
    const rows = this.db.prepare('SELECT * FROM kms_keys WHERE key_manager = ? AND key_id > ? ORDER BY key_id LIMIT ?').all(keyManager, after ?? '', limit + 1) as Row[];
    const items = rows.slice(0, limit).map(kmsKeyFromRow);
    return { items, next: rows.length > limit ? items[items.length - 1].keyId : undefined };
  }

  async createAlias(aliasName: string, keyId: string, createdAt: Date): Promise<boolean> {
    const result = this.db.prepare('INSERT INTO kms_aliases (alias_name, key_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(aliasName, keyId, createdAt.getTime());
    return result.changes === 1;
  }

  async deleteAlias(aliasName: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM kms_aliases WHERE alias_name = ?').run(aliasName).changes === 1;
  }

  async updateAlias(aliasName: string, keyId: string): Promise<boolean> {
    return this.db.prepare('UPDATE kms_aliases SET key_id = ? WHERE alias_name = ?').run(keyId, aliasName).changes === 1;
  }

  async setRotation(keyId: string, periodDays?: number, nextRotation?: Date): Promise<void> {
    this.db.prepare('UPDATE kms_keys SET rotation_period_days = ?, next_rotation = ? WHERE key_id = ?').run(periodDays ?? null, nextRotation?.getTime() ?? null, keyId);
  }

  async dueForRotation(now: Date): Promise<string[]> {
    const rows = this.db.prepare("SELECT key_id FROM kms_keys WHERE state = 'Enabled' AND next_rotation IS NOT NULL AND next_rotation <= ?").all(now.getTime()) as Row[];
    return rows.map((row) => row.key_id as string);
  }

  async tagsOf(keyId: string): Promise<{ key: string; value: string }[]> {
    const rows = this.db.prepare('SELECT tag_key, tag_value FROM kms_key_tags WHERE key_id = ? ORDER BY tag_key').all(keyId) as Row[];
    return rows.map((row) => ({ key: row.tag_key as string, value: row.tag_value as string }));
  }

  async setTags(keyId: string, tags: { key: string; value: string }[]): Promise<void> {
    this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM kms_key_tags WHERE key_id = ?').run(keyId);
        const insert = this.db.prepare('INSERT INTO kms_key_tags (key_id, tag_key, tag_value) VALUES (?, ?, ?)');
        for (const tag of tags) insert.run(keyId, tag.key, tag.value);
      })
      .immediate();
  }

  async aliasTarget(aliasName: string): Promise<string | undefined> {
    const row = this.db.prepare('SELECT key_id FROM kms_aliases WHERE alias_name = ?').get(aliasName) as Row | undefined;
    return row?.key_id as string | undefined;
  }

  async listAliases(limit: number, after?: string, keyId?: string): Promise<Page<{ aliasName: string; keyId: string; createdAt: Date }>> {
    const rows = this.db
      .prepare(`SELECT * FROM kms_aliases WHERE alias_name > ? ${keyId === undefined ? '' : 'AND key_id = ?'} ORDER BY alias_name LIMIT ?`)
      .all(...(keyId === undefined ? [after ?? '', limit + 1] : [after ?? '', keyId, limit + 1])) as Row[];
    const items = rows.slice(0, limit).map((row) => ({ aliasName: row.alias_name as string, keyId: row.key_id as string, createdAt: toDate(row.created_at) }));
    return { items, next: rows.length > limit ? items[items.length - 1].aliasName : undefined };
  }

  async getVersion(keyId: string, version: number): Promise<KmsKeyVersionRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM kms_key_versions WHERE key_id = ? AND version = ?').get(keyId, version) as Row | undefined;
    if (!row) return undefined;
    return { keyId, version, sealedMaterial: row.sealed_material as Buffer, createdAt: toDate(row.created_at) };
  }

  async addVersion(keyId: string, version: Omit<KmsKeyVersionRecord, 'keyId' | 'version'>): Promise<number> {
    return this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT current_version FROM kms_keys WHERE key_id = ?').get(keyId) as Row | undefined;
        if (!row) throw new Error(`no KMS key ${keyId}`);
        const next = (row.current_version as number) + 1;
        this.db.prepare('INSERT INTO kms_key_versions (key_id, version, sealed_material, created_at) VALUES (?, ?, ?, ?)').run(keyId, next, version.sealedMaterial, version.createdAt.getTime());
        this.db.prepare('UPDATE kms_keys SET current_version = ? WHERE key_id = ?').run(next, keyId);
        return next;
      })
      .immediate();
  }

  async setState(keyId: string, state: KmsKeyState, deletionDate?: Date, from?: readonly KmsKeyState[]): Promise<boolean> {
    const result =
      from === undefined
        ? this.db.prepare('UPDATE kms_keys SET state = ?, deletion_date = ? WHERE key_id = ?').run(state, deletionDate?.getTime() ?? null, keyId)
        : this.db
            .prepare(`UPDATE kms_keys SET state = ?, deletion_date = ? WHERE key_id = ? AND state IN (${from.map(() => '?').join(', ')})`)
            .run(state, deletionDate?.getTime() ?? null, keyId, ...from);
    return result.changes === 1;
  }

  async destroy(keyId: string, dueBy?: Date): Promise<boolean> {
    // Versions go with the key (ON DELETE CASCADE). secure_delete overwrites the freed pages.
    this.db.pragma('secure_delete = ON');
    const result =
      dueBy === undefined
        ? this.db.prepare('DELETE FROM kms_keys WHERE key_id = ?').run(keyId)
        : this.db.prepare("DELETE FROM kms_keys WHERE key_id = ? AND state = 'PendingDeletion' AND deletion_date <= ?").run(keyId, dueBy.getTime());
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return result.changes === 1;
  }

  async dueForDeletion(now: Date): Promise<string[]> {
    const rows = this.db.prepare("SELECT key_id FROM kms_keys WHERE state = 'PendingDeletion' AND deletion_date <= ?").all(now.getTime()) as Row[];
    return rows.map((row) => row.key_id as string);
  }
}
