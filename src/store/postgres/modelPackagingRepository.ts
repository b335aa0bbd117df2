import type pg from 'pg';
import type { ModelPackagingJobChanges, ModelPackagingJobRecord, ModelPackagingJobRepository, ModelPackagingJobStatus } from '../modelPackagingRecords.js';
import { PACKAGING_JOB_COLUMNS, packagingJobFromRow } from '../rows.js';
import { transitionWhereStatus } from './statusTransition.js';

export class PostgresModelPackagingJobs implements ModelPackagingJobRepository {
  constructor(private readonly pool: pg.Pool) {}

  async create(record: ModelPackagingJobRecord): Promise<'created' | 'nameTaken' | 'componentTaken'> {
    // The primary key (project, job name) and the partial unique index (component name + version of a job
    // that has not failed) decide between racing nodes; ON CONFLICT waits for a concurrent insert to commit.
    const inserted = await this.pool.query(
      `INSERT INTO model_packaging_jobs (project_name, job_name, model_version, model_arn, description, configuration, component_name,
         component_version, status, status_message, output, attempts, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING`,
      [
        record.projectName,
        record.jobName,
        record.modelVersion,
        record.modelArn,
        record.description ?? null,
        JSON.stringify(record.configuration),
        record.componentName,
        record.componentVersion,
        record.status,
        record.statusMessage ?? null,
        record.output ? JSON.stringify(record.output) : null,
        record.attempts,
        record.createdAt.getTime(),
        record.updatedAt.getTime(),
      ],
    );
    if (inserted.rowCount === 1) return 'created';
    const sameName = await this.pool.query('SELECT 1 FROM model_packaging_jobs WHERE project_name = $1 AND job_name = $2', [record.projectName, record.jobName]);
    return sameName.rowCount ? 'nameTaken' : 'componentTaken';
  }

  async get(projectName: string, jobName: string): Promise<ModelPackagingJobRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM model_packaging_jobs WHERE project_name = $1 AND job_name = $2', [projectName, jobName]);
    return rows[0] && packagingJobFromRow(rows[0]);
  }

  async list(projectName: string, limit: number, after?: string): Promise<{ items: ModelPackagingJobRecord[]; next?: string }> {
    const { rows } = await this.pool.query('SELECT * FROM model_packaging_jobs WHERE project_name = $1 AND job_name > $2 ORDER BY job_name LIMIT $3', [projectName, after ?? '', limit + 1]);
    const items = rows.slice(0, limit).map(packagingJobFromRow);
    return { items, next: rows.length > limit ? items[items.length - 1].jobName : undefined };
  }

  async transition(projectName: string, jobName: string, from: readonly ModelPackagingJobStatus[], to: ModelPackagingJobChanges): Promise<boolean> {
    return transitionWhereStatus(this.pool, 'model_packaging_jobs', { project_name: projectName, job_name: jobName }, from, to, PACKAGING_JOB_COLUMNS);
  }

  async withStatus(statuses: readonly ModelPackagingJobStatus[]): Promise<ModelPackagingJobRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM model_packaging_jobs WHERE status = ANY($1::text[])', [[...statuses]]);
    return rows.map(packagingJobFromRow);
  }
}
