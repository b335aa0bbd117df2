import type pg from 'pg';
import type { ModelPackagingJobChanges, ModelPackagingJobRecord, ModelPackagingJobRepository, ModelPackagingJobStatus } from '../modelPackagingRecords.js';
import { type Row, toDate } from './database.js';
import { transitionWhereStatus } from './statusTransition.js';

const COLUMNS: Record<string, string> = {
  status: 'status',
  statusMessage: 'status_message',
  output: 'output',
  attempts: 'attempts',
  updatedAt: 'updated_at',
};

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
    return rows[0] && fromRow(rows[0]);
  }

  async list(projectName: string, limit: number, after?: string): Promise<{ items: ModelPackagingJobRecord[]; next?: string }> {
    const { rows } = await this.pool.query('SELECT * FROM model_packaging_jobs WHERE project_name = $1 AND job_name > $2 ORDER BY job_name LIMIT $3', [projectName, after ?? '', limit + 1]);
    const items = rows.slice(0, limit).map(fromRow);
    return { items, next: rows.length > limit ? items[items.length - 1].jobName : undefined };
  }

  async transition(projectName: string, jobName: string, from: readonly ModelPackagingJobStatus[], to: ModelPackagingJobChanges): Promise<boolean> {
    return transitionWhereStatus(this.pool, 'model_packaging_jobs', { project_name: projectName, job_name: jobName }, from, to, COLUMNS);
  }

  async withStatus(statuses: readonly ModelPackagingJobStatus[]): Promise<ModelPackagingJobRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM model_packaging_jobs WHERE status = ANY($1::text[])', [[...statuses]]);
    return rows.map(fromRow);
  }
}

function fromRow(row: Row): ModelPackagingJobRecord {
  const optional = <T>(value: unknown): T | undefined => (value == null ? undefined : (value as T));
  return {
    projectName: row.project_name as string,
    jobName: row.job_name as string,
    modelVersion: row.model_version as number,
    modelArn: row.model_arn as string,
    description: optional(row.description),
    configuration: JSON.parse(row.configuration as string),
    componentName: row.component_name as string,
    componentVersion: row.component_version as string,
    status: row.status as ModelPackagingJobStatus,
    statusMessage: optional(row.status_message),
    output: row.output == null ? undefined : JSON.parse(row.output as string),
    attempts: row.attempts as number,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}
