import { coreMigration } from './001-core.js';
import { bucketsMigration } from './002-buckets.js';
import { datasetsMigration } from './003-datasets.js';
import { modelsMigration } from './004-models.js';
import { kmsAliasesRotationMigration } from './005-kms-aliases-rotation.js';
import { modelPackagingJobsMigration } from './006-model-packaging-jobs.js';
import { multipartChecksumAlgorithmsMigration } from './007-multipart-checksum-algorithms.js';
import { jobsMigration } from './008-jobs.js';
import { objectVersionsMigration } from './009-object-versions.js';
import { bucketLifecycleMigration } from './010-bucket-lifecycle.js';
import { nodesMigration } from './011-nodes.js';

/**
 * Schema versions of the PostgreSQL store, numbered as the SQLite ones (version N of either engine holds
 * the same tables), applied in order inside one transaction each. Never edit a released migration: add
 * the next one to both lists.
 */
export const postgresMigrations: readonly string[] = [
  coreMigration,
  bucketsMigration,
  datasetsMigration,
  modelsMigration,
  kmsAliasesRotationMigration,
  modelPackagingJobsMigration,
  multipartChecksumAlgorithmsMigration,
  jobsMigration,
  objectVersionsMigration,
  bucketLifecycleMigration,
  nodesMigration,
];
