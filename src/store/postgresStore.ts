import type pg from 'pg';
import type { BucketRepository, MultipartRepository, ObjectRepository } from './bucketRecords.js';
import type { DatasetRepository, IdempotencyRepository } from './datasetRecords.js';
import type { JobRepository } from './jobRecords.js';
import type { AccessKeyRepository, KmsKeyRepository, MetadataStore, ProjectRepository, SettingsRepository } from './metadataStore.js';
import { postgresMigrations } from './migrations/postgres/index.js';
import type { ModelPackagingJobRepository } from './modelPackagingRecords.js';
import type { ModelRepository } from './modelRecords.js';
import type { NodeRepository } from './nodeRecords.js';
import { PostgresAccessKeys } from './postgres/accessKeyRepository.js';
import { PostgresBuckets } from './postgres/bucketRepository.js';
import { databaseShown, inTransaction, openPool } from './postgres/database.js';
import { PostgresDatasets } from './postgres/datasetRepository.js';
import { PostgresIdempotency } from './postgres/idempotencyRepository.js';
import { PostgresJobs } from './postgres/jobRepository.js';
import { PostgresKmsKeys } from './postgres/kmsKeyRepository.js';
import { PostgresModelPackagingJobs } from './postgres/modelPackagingRepository.js';
import { PostgresModels } from './postgres/modelRepository.js';
import { PostgresMultipartUploads } from './postgres/multipartRepository.js';
import { PostgresNodes } from './postgres/nodeRepository.js';
import { PostgresObjects } from './postgres/objectRepository.js';
import { PostgresProjects } from './postgres/projectRepository.js';
import { PostgresSettings } from './postgres/settingsRepository.js';

/** Any constant: the advisory lock that lets one node at a time migrate a shared database. */
const MIGRATION_LOCK = 0x76_69_67_69; // "vigi"

/**
 * Opens the metadata store on a PostgreSQL database (`postgres://user:password@host:port/database`,
 * sslmode etc. as node-postgres reads them), migrating it to this Vigil's schema. Several Vigil nodes
 * may share one database: they migrate one after the other, and every write that two nodes could race
 * on is one conditional statement or a transaction that locks the rows it decides on.
 */
export async function openPostgresStore(connectionString: string): Promise<MetadataStore> {
  const pool = openPool(connectionString);
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    // node-postgres never puts the password in its messages; the URL is shown without it.
    throw new Error(`cannot open the PostgreSQL metadata database ${databaseShown(connectionString)}: ${(error as Error).message}`, { cause: error });
  }
  return new PostgresStore(pool);
}

async function migrate(pool: pg.Pool): Promise<void> {
  for (;;) {
    const done = await inTransaction(pool, async (client) => {
      // Held until this transaction ends: a second node starting at the same moment waits, then sees the new version.
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS vigil_schema_version (version INTEGER NOT NULL)');
      const { rows } = await client.query('SELECT version FROM vigil_schema_version');
      if (rows.length === 0) await client.query('INSERT INTO vigil_schema_version (version) VALUES (0)');
      const applied = (rows[0]?.version as number | undefined) ?? 0;
      if (applied > postgresMigrations.length) {
        throw new Error(`the metadata database has schema version ${applied}, newer than this Vigil (${postgresMigrations.length}); upgrade Vigil`);
      }
      if (applied === postgresMigrations.length) return true;
      await client.query(postgresMigrations[applied]);
      await client.query('UPDATE vigil_schema_version SET version = $1', [applied + 1]);
      return false;
    });
    if (done) return;
  }
}

class PostgresStore implements MetadataStore {
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
  readonly jobs: JobRepository;
  readonly nodes: NodeRepository;
  private closed = false;

  constructor(private readonly pool: pg.Pool) {
    this.settings = new PostgresSettings(pool);
    this.kmsKeys = new PostgresKmsKeys(pool);
    this.accessKeys = new PostgresAccessKeys(pool);
    this.projects = new PostgresProjects(pool);
    this.datasets = new PostgresDatasets(pool);
    this.idempotency = new PostgresIdempotency(pool);
    this.models = new PostgresModels(pool);
    this.modelPackagingJobs = new PostgresModelPackagingJobs(pool);
    this.buckets = new PostgresBuckets(pool);
    this.objects = new PostgresObjects(pool);
    this.multipartUploads = new PostgresMultipartUploads(pool);
    this.jobs = new PostgresJobs(pool);
    this.nodes = new PostgresNodes(pool);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
