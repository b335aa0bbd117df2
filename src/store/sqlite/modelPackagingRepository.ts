import type Database from 'better-sqlite3';
import type { ModelPackagingJobChanges, ModelPackagingJobRecord, ModelPackagingJobRepository, ModelPackagingJobStatus } from '../modelPackagingRecords.js';
import { PACKAGING_JOB_COLUMNS, packagingJobFromRow, type Row } from '../rows.js';
import { transitionWhereStatus } from './statusTransition.js';

export class SqliteModelPackagingJobs implements ModelPackagingJobRepository {
  constructor(private readonly db: Database.Database) {}

  async create(record: ModelPackagingJobRecord): Promise<'created' | 'nameTaken' | 'componentTaken'> {
    return this.db
      .transaction(() => {
        if (this.db.prepare('SELECT 1 FROM model_packaging_jobs WHERE project_name = ? AND job_name = ?').get(record.projectName, record.jobName)) return 'nameTaken';
        const taken = this.db
          .prepare("SELECT 1 FROM model_packaging_jobs WHERE component_name = ? AND component_version = ? AND status <> 'FAILED'")
          .get(record.componentName, record.componentVersion);
        if (taken) return 'componentTaken';
        this.db
          .prepare(
            `INSERT INTO model_packaging_jobs (project_name, job_name, model_version, model_arn, description, configuration, component_name,
             component_version, status, status_message, output, attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
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
          );
        return 'created' as const;
      })
      .immediate();
  }

  async get(projectName: string, jobName: string): Promise<ModelPackagingJobRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM model_packaging_jobs WHERE project_name = ? AND job_name = ?').get(projectName, jobName) as Row | undefined;
    return row && packagingJobFromRow(row);
  }

  async list(projectName: string, limit: number, after?: string): Promise<{ items: ModelPackagingJobRecord[]; next?: string }> {
    const rows = this.db.prepare('SELECT * FROM model_packaging_jobs WHERE project_name = ? AND job_name > ? ORDER BY job_name LIMIT ?').all(projectName, after ?? '', limit + 1) as Row[];
    const items = rows.slice(0, limit).map(packagingJobFromRow);
    return { items, next: rows.length > limit ? items[items.length - 1].jobName : undefined };
  }

  async transition(projectName: string, jobName: string, from: readonly ModelPackagingJobStatus[], to: ModelPackagingJobChanges): Promise<boolean> {
    return transitionWhereStatus(this.db, 'model_packaging_jobs', { project_name: projectName, job_name: jobName }, from, to, PACKAGING_JOB_COLUMNS);
  }

  async withStatus(statuses: readonly ModelPackagingJobStatus[]): Promise<ModelPackagingJobRecord[]> {
    const rows = this.db.prepare(`SELECT * FROM model_packaging_jobs WHERE status IN (${statuses.map(() => '?').join(', ')})`).all(...statuses) as Row[];
    return rows.map(packagingJobFromRow);
  }
}
