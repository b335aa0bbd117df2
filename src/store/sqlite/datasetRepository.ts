import type Database from 'better-sqlite3';
import type { DatasetRecord, DatasetRepository, DatasetStatus, DatasetType } from '../datasetRecords.js';
import { DATASET_COLUMNS, datasetFromRow, type Row } from '../rows.js';
import { transitionWhereStatus } from './statusTransition.js';

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
    return row && datasetFromRow(row);
  }

  async listForProject(projectName: string): Promise<DatasetRecord[]> {
    return (this.db.prepare('SELECT * FROM datasets WHERE project_name = ? ORDER BY dataset_type DESC').all(projectName) as Row[]).map(datasetFromRow);
  }

  async transition(
    projectName: string,
    datasetType: DatasetType,
    from: readonly DatasetStatus[],
    to: Partial<Omit<DatasetRecord, 'projectName' | 'datasetType' | 'createdAt'>> & { status: DatasetStatus },
  ): Promise<boolean> {
    return transitionWhereStatus(this.db, 'datasets', { project_name: projectName, dataset_type: datasetType }, from, to, DATASET_COLUMNS, {
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
    return (this.db.prepare("SELECT * FROM datasets WHERE status LIKE '%_IN_PROGRESS'").all() as Row[]).map(datasetFromRow);
  }
}
