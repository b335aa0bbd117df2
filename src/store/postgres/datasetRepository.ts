import type pg from 'pg';
import type { DatasetRecord, DatasetRepository, DatasetStatus, DatasetType } from '../datasetRecords.js';
import { DATASET_COLUMNS, datasetFromRow } from '../rows.js';
import { transitionWhereStatus } from './statusTransition.js';

export class PostgresDatasets implements DatasetRepository {
  constructor(private readonly pool: pg.Pool) {}

  async create(record: DatasetRecord): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO datasets (project_name, dataset_type, status, status_message, created_at, updated_at, entries_blob,
         stats_total, stats_labeled, stats_normal, stats_anomaly, image_bucket)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
      [
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
      ],
    );
    return result.rowCount === 1;
  }

  async get(projectName: string, datasetType: DatasetType): Promise<DatasetRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM datasets WHERE project_name = $1 AND dataset_type = $2', [projectName, datasetType]);
    return rows[0] && datasetFromRow(rows[0]);
  }

  async listForProject(projectName: string): Promise<DatasetRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM datasets WHERE project_name = $1 ORDER BY dataset_type DESC', [projectName]);
    return rows.map(datasetFromRow);
  }

  async transition(
    projectName: string,
    datasetType: DatasetType,
    from: readonly DatasetStatus[],
    to: Partial<Omit<DatasetRecord, 'projectName' | 'datasetType' | 'createdAt'>> & { status: DatasetStatus },
  ): Promise<boolean> {
    return transitionWhereStatus(this.pool, 'datasets', { project_name: projectName, dataset_type: datasetType }, from, to, DATASET_COLUMNS, {
      stats: (stats: DatasetRecord['stats']) => ({
        stats_total: stats.total,
        stats_labeled: stats.labeled,
        stats_normal: stats.normal,
        stats_anomaly: stats.anomaly,
      }),
    });
  }

  async delete(projectName: string, datasetType: DatasetType): Promise<void> {
    await this.pool.query('DELETE FROM datasets WHERE project_name = $1 AND dataset_type = $2', [projectName, datasetType]);
  }

  async listInProgress(): Promise<DatasetRecord[]> {
    const { rows } = await this.pool.query("SELECT * FROM datasets WHERE status LIKE '%\\_IN\\_PROGRESS'");
    return rows.map(datasetFromRow);
  }
}
