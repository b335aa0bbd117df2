import type Database from 'better-sqlite3';
import type { DatasetRecord, DatasetRepository, DatasetStatus, DatasetType } from '../datasetRecords.js';
import { type Row, toDate } from './rows.js';
import { transitionWhereStatus } from './statusTransition.js';

const COLUMNS: Record<string, string> = {
  status: 'status',
  statusMessage: 'status_message',
  updatedAt: 'updated_at',
  entriesBlob: 'entries_blob',
  imageBucket: 'image_bucket',
};

export class SqliteDatasets implements DatasetRepository {
  constructor(private readonly db: Database.Database) {}

  async create(record: DatasetRecord): Promise<boolean> {
    const result = this.db
      .prepare(
        `INSERT INTO datasets (project_name, dataset_type, status, status_message, created_at, updated_at, entries_blob,
           stats_total, stats_labeled, stats_normal, stats_anomaly, image_bucket)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(
        record.projectName,
        record.datasetType,
        record.status,
        record.statusMessage ?? null,
        record.createdAt.getTime(),
        record.updatedAt.getTime(),
        record.entriesBlob ?? null,
        record.stats.total,
        record.stats.labeled,
        record.stats.normal,
        record.stats.anomaly,
        record.imageBucket ?? null,
      );
    return result.changes === 1;
  }

  async get(projectName: string, datasetType: DatasetType): Promise<DatasetRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM datasets WHERE project_name = ? AND dataset_type = ?').get(projectName, datasetType) as Row | undefined;
    return row && fromRow(row);
  }

  async listForProject(projectName: string): Promise<DatasetRecord[]> {
    return (this.db.prepare('SELECT * FROM datasets WHERE project_name = ? ORDER BY dataset_type DESC').all(projectName) as Row[]).map(fromRow);
  }

  async transition(
    projectName: string,
    datasetType: DatasetType,
    from: readonly DatasetStatus[],
    to: Partial<Omit<DatasetRecord, 'projectName' | 'datasetType' | 'createdAt'>> & { status: DatasetStatus },
  ): Promise<boolean> {
    return transitionWhereStatus(this.db, 'datasets', { project_name: projectName, dataset_type: datasetType }, from, to, COLUMNS, {
      stats: (stats: DatasetRecord['stats']) => ({
        stats_total: stats.total,
        stats_labeled: stats.labeled,
        stats_normal: stats.normal,
        stats_anomaly: stats.anomaly,
      }),
    });
  }

  async delete(projectName: string, datasetType: DatasetType): Promise<void> {
    this.db.prepare('DELETE FROM datasets WHERE project_name = ? AND dataset_type = ?').run(projectName, datasetType);
  }

  async listInProgress(): Promise<DatasetRecord[]> {
    return (this.db.prepare("SELECT * FROM datasets WHERE status LIKE '%_IN_PROGRESS'").all() as Row[]).map(fromRow);
  }
}

function fromRow(row: Row): DatasetRecord {
  return {
    projectName: row.project_name as string,
    datasetType: row.dataset_type as DatasetType,
    status: row.status as DatasetStatus,
    statusMessage: (row.status_message as string | null) ?? undefined,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    entriesBlob: (row.entries_blob as string | null) ?? undefined,
    stats: {
      total: row.stats_total as number,
      labeled: row.stats_labeled as number,
      normal: row.stats_normal as number,
      anomaly: row.stats_anomaly as number,
    },
    imageBucket: (row.image_bucket as string | null) ?? undefined,
  };
}
