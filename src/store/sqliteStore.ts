import Database from 'better-sqlite3';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  AccessKeyRecord,
  AccessKeyRepository,
  KmsKeyRecord,
  KmsKeyRepository,
  KmsKeyState,
  KmsKeyVersionRecord,
  MetadataStore,
  ProjectRecord,
  ProjectRepository,
  SettingsRepository,
} from './metadataStore.js';
import { sqliteMigrations } from './sqliteMigrations.js';

type Row = Record<string, unknown>;

/**
 * Opens (creating if needed) the embedded metadata store. `path` ':memory:' gives a private
 * in-memory database. WAL journaling with synchronous=FULL: a committed write survives a crash
 * or power loss, and readers never block the writer.
 */
export function openSqliteStore(path: string): MetadataStore {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Owner-only from the start; SQLite gives its -wal and -shm files the database file's mode.
    closeSync(openSync(path, 'a', 0o600));
    chmodSync(path, 0o600);
  }
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteStore(db);
}

function migrate(db: Database.Database): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  if (applied > sqliteMigrations.length) {
    throw new Error(`the metadata database has schema version ${applied}, newer than this Vigil (${sqliteMigrations.length}); upgrade Vigil`);
  }
  for (let version = applied + 1; version <= sqliteMigrations.length; version++) {
    db.transaction(() => {
      db.exec(sqliteMigrations[version - 1]);
      db.pragma(`user_version = ${version}`);
    }).immediate();
  }
}

const toDate = (value: unknown): Date => new Date(Number(value));
const optionalDate = (value: unknown): Date | undefined => (value == null ? undefined : toDate(value));

class SqliteStore implements MetadataStore {
  readonly settings: SettingsRepository;
  readonly kmsKeys: KmsKeyRepository;
  readonly accessKeys: AccessKeyRepository;
  readonly projects: ProjectRepository;

  constructor(private readonly db: Database.Database) {
    this.settings = new SqliteSettings(db);
    this.kmsKeys = new SqliteKmsKeys(db);
    this.accessKeys = new SqliteAccessKeys(db);
    this.projects = new SqliteProjects(db);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

class SqliteSettings implements SettingsRepository {
  constructor(private readonly db: Database.Database) {}

  async get(name: string): Promise<string | undefined> {
    const row = this.db.prepare('SELECT value FROM settings WHERE name = ?').get(name) as Row | undefined;
    return row?.value as string | undefined;
  }

  async putIfAbsent(name: string, value: string): Promise<string> {
    return this.db.transaction(() => {
      this.db.prepare('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(name, value);
      return (this.db.prepare('SELECT value FROM settings WHERE name = ?').get(name) as Row).value as string;
    }).immediate();
  }
}

class SqliteKmsKeys implements KmsKeyRepository {
  constructor(private readonly db: Database.Database) {}

  async create(key: Omit<KmsKeyRecord, 'currentVersion'>, first: Omit<KmsKeyVersionRecord, 'keyId' | 'version'>): Promise<void> {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO kms_keys (key_id, arn, description, key_manager, state, created_at, deletion_date, current_version)
           VALUES (?, ?, ?, ?, ?, ?, ?, 1)`,
        )
        .run(key.keyId, key.arn, key.description, key.keyManager, key.state, key.createdAt.getTime(), key.deletionDate?.getTime() ?? null);
      this.db
        .prepare('INSERT INTO kms_key_versions (key_id, version, sealed_material, created_at) VALUES (?, 1, ?, ?)')
        .run(key.keyId, first.sealedMaterial, first.createdAt.getTime());
    }).immediate();
  }

  async get(keyId: string): Promise<KmsKeyRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM kms_keys WHERE key_id = ?').get(keyId) as Row | undefined;
    if (!row) return undefined;
    return {
      keyId: row.key_id as string,
      arn: row.arn as string,
      description: row.description as string,
      keyManager: row.key_manager as KmsKeyRecord['keyManager'],
      state: row.state as KmsKeyState,
      createdAt: toDate(row.created_at),
      deletionDate: optionalDate(row.deletion_date),
      currentVersion: row.current_version as number,
    };
  }

  async getVersion(keyId: string, version: number): Promise<KmsKeyVersionRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM kms_key_versions WHERE key_id = ? AND version = ?').get(keyId, version) as Row | undefined;
    if (!row) return undefined;
    return { keyId, version, sealedMaterial: row.sealed_material as Buffer, createdAt: toDate(row.created_at) };
  }

  async addVersion(keyId: string, version: Omit<KmsKeyVersionRecord, 'keyId' | 'version'>): Promise<number> {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT current_version FROM kms_keys WHERE key_id = ?').get(keyId) as Row | undefined;
      if (!row) throw new Error(`no KMS key ${keyId}`);
      const next = (row.current_version as number) + 1;
      this.db
        .prepare('INSERT INTO kms_key_versions (key_id, version, sealed_material, created_at) VALUES (?, ?, ?, ?)')
        .run(keyId, next, version.sealedMaterial, version.createdAt.getTime());
      this.db.prepare('UPDATE kms_keys SET current_version = ? WHERE key_id = ?').run(next, keyId);
      return next;
    }).immediate();
  }

  async setState(keyId: string, state: KmsKeyState, deletionDate?: Date): Promise<void> {
    this.db.prepare('UPDATE kms_keys SET state = ?, deletion_date = ? WHERE key_id = ?').run(state, deletionDate?.getTime() ?? null, keyId);
  }

  async destroy(keyId: string): Promise<void> {
    // Versions go with the key (ON DELETE CASCADE). secure_delete overwrites the freed pages.
    this.db.pragma('secure_delete = ON');
    this.db.prepare('DELETE FROM kms_keys WHERE key_id = ?').run(keyId);
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async dueForDeletion(now: Date): Promise<string[]> {
    const rows = this.db
      .prepare("SELECT key_id FROM kms_keys WHERE state = 'PendingDeletion' AND deletion_date <= ?")
      .all(now.getTime()) as Row[];
    return rows.map((row) => row.key_id as string);
  }
}

class SqliteAccessKeys implements AccessKeyRepository {
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

function accessKeyFromRow(row: Row): AccessKeyRecord {
  return {
    accessKeyId: row.access_key_id as string,
    sealedSecret: row.sealed_secret as Buffer,
    description: row.description as string,
    createdAt: toDate(row.created_at),
    status: row.status as AccessKeyRecord['status'],
  };
}

class SqliteProjects implements ProjectRepository {
  constructor(private readonly db: Database.Database) {}

  async list(limit: number, after?: string) {
    const rows = this.db
      .prepare('SELECT * FROM projects WHERE name > ? ORDER BY name LIMIT ?')
      .all(after ?? '', limit + 1) as Row[];
    const items: ProjectRecord[] = rows
      .slice(0, limit)
      .map((row) => ({ name: row.name as string, arn: row.arn as string, createdAt: toDate(row.created_at) }));
    return { items, next: rows.length > limit ? items[items.length - 1].name : undefined };
  }
}
