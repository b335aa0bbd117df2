import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { BucketRepository, MultipartRepository, ObjectRepository } from './bucketRecords.js';
import type { DatasetRepository, IdempotencyRepository } from './datasetRecords.js';
import type { AccessKeyRepository, KmsKeyRepository, MetadataStore, ProjectRepository, SettingsRepository } from './metadataStore.js';
import { sqliteMigrations } from './migrations/index.js';
import type { ModelPackagingJobRepository } from './modelPackagingRecords.js';
import type { ModelRepository } from './modelRecords.js';
import { SqliteAccessKeys } from './sqlite/accessKeyRepository.js';
import { SqliteBuckets } from './sqlite/bucketRepository.js';
import { SqliteDatasets } from './sqlite/datasetRepository.js';
import { SqliteIdempotency } from './sqlite/idempotencyRepository.js';
import { SqliteKmsKeys } from './sqlite/kmsKeyRepository.js';
import { SqliteModelPackagingJobs } from './sqlite/modelPackagingRepository.js';
import { SqliteModels } from './sqlite/modelRepository.js';
import { SqliteMultipartUploads } from './sqlite/multipartRepository.js';
import { SqliteObjects } from './sqlite/objectRepository.js';
import { SqliteProjects } from './sqlite/projectRepository.js';
import { SqliteSettings } from './sqlite/settingsRepository.js';

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
  // Foreign keys off while a migration rebuilds a table (SQLite's ALTER TABLE procedure), checked before each commit.
  db.pragma('foreign_keys = OFF');
  try {
    for (let version = applied + 1; version <= sqliteMigrations.length; version++) {
      db.transaction(() => {
        db.exec(sqliteMigrations[version - 1]);
        if ((db.pragma('foreign_key_check') as unknown[]).length > 0) throw new Error(`schema version ${version} would break the metadata's references`);
        db.pragma(`user_version = ${version}`);
      }).immediate();
    }
  } finally {
    db.pragma('foreign_keys = ON');
  }
}

class SqliteStore implements MetadataStore {
  readonly settings: SettingsRepository;
  readonly kmsKeys: KmsKeyRepository;
  readonly accessKeys: AccessKeyRepository;
  readonly projects: ProjectRepository;
  readonly datasets: DatasetRepository;
  readonly idempotency: IdempotencyRepository;
  readonly models: ModelRepository;
  readonly modelPackagingJobs: ModelPackagingJobRepository;
  readonly buckets: BucketRepository;
  readonly objects: ObjectRepository;
  readonly multipartUploads: MultipartRepository;

  constructor(private readonly db: Database.Database) {
    this.settings = new SqliteSettings(db);
    this.kmsKeys = new SqliteKmsKeys(db);
    this.accessKeys = new SqliteAccessKeys(db);
    this.projects = new SqliteProjects(db);
    this.datasets = new SqliteDatasets(db);
    this.idempotency = new SqliteIdempotency(db);
    this.models = new SqliteModels(db);
    this.modelPackagingJobs = new SqliteModelPackagingJobs(db);
    this.buckets = new SqliteBuckets(db);
    this.objects = new SqliteObjects(db);
    this.multipartUploads = new SqliteMultipartUploads(db);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
