import type pg from 'pg';
import type { ModelChanges, ModelRecord, ModelRepository, ModelStatus, ModelTag } from '../modelRecords.js';
import { MODEL_COLUMNS, modelFromRow } from '../rows.js';
import { inTransaction } from './database.js';
import { transitionWhereStatus } from './statusTransition.js';

export class PostgresModels implements ModelRepository {
  constructor(private readonly pool: pg.Pool) {}

  async create(record: Omit<ModelRecord, 'version' | 'arn'>, arnOf: (version: number) => string, tags: ModelTag[]): Promise<ModelRecord> {
    return inTransaction(this.pool, async (client) => {
      // The increment locks the project row: concurrent CreateModel calls on any node get distinct versions.
      const { rows } = await client.query('UPDATE projects SET next_model_version = next_model_version + 1 WHERE name = $1 RETURNING next_model_version - 1 AS version', [record.projectName]);
      if (!rows[0]) throw new Error(`no project ${record.projectName}`);
      const version = rows[0].version as number;
      const full: ModelRecord = { ...record, version, arn: arnOf(version) };
      await client.query(
        `INSERT INTO models (project_name, version, arn, status, status_message, description, created_at, updated_at, kms_key_id,
           output_bucket, output_prefix, training_attempts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          full.projectName,
          version,
          full.arn,
          full.status,
          full.statusMessage ?? null,
          full.description ?? null,
          full.createdAt.getTime(),
          full.updatedAt.getTime(),
          full.kmsKeyId,
          full.outputBucket,
          full.outputPrefix,
          full.trainingAttempts,
        ],
      );
      for (const tag of tags) {
        await client.query('INSERT INTO model_tags (project_name, version, tag_key, tag_value) VALUES ($1, $2, $3, $4)', [full.projectName, version, tag.key, tag.value]);
      }
      return full;
    });
  }

  async get(projectName: string, version: number): Promise<ModelRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM models WHERE project_name = $1 AND version = $2', [projectName, version]);
    return rows[0] && modelFromRow(rows[0]);
  }

  async latest(projectName: string): Promise<ModelRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM models WHERE project_name = $1 ORDER BY version DESC LIMIT 1', [projectName]);
    return rows[0] && modelFromRow(rows[0]);
  }

  async list(projectName: string, limit: number, beforeVersion?: number): Promise<{ items: ModelRecord[]; next?: number }> {
    const { rows } = await this.pool.query('SELECT * FROM models WHERE project_name = $1 AND version < $2 ORDER BY version DESC LIMIT $3', [projectName, beforeVersion ?? 2 ** 31 - 1, limit + 1]);
    const items = rows.slice(0, limit).map(modelFromRow);
    return { items, next: rows.length > limit ? items[items.length - 1].version : undefined };
  }

  async transition(projectName: string, version: number, from: readonly ModelStatus[], to: ModelChanges): Promise<boolean> {
    return transitionWhereStatus(this.pool, 'models', { project_name: projectName, version }, from, to, MODEL_COLUMNS);
  }

  async delete(projectName: string, version: number, from: readonly ModelStatus[]): Promise<boolean> {
    const result = await this.pool.query('DELETE FROM models WHERE project_name = $1 AND version = $2 AND status = ANY($3::text[])', [projectName, version, [...from]]);
    return result.rowCount === 1;
  }

  async withStatus(statuses: readonly ModelStatus[]): Promise<ModelRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM models WHERE status = ANY($1::text[])', [[...statuses]]);
    return rows.map(modelFromRow);
  }

  async tagsOf(projectName: string, version: number): Promise<ModelTag[] | undefined> {
    // One statement, one snapshot: the model and its tags as of the same moment.
    const { rows } = await this.pool.query(
      `SELECT t.tag_key, t.tag_value FROM models m LEFT JOIN model_tags t ON t.project_name = m.project_name AND t.version = m.version
       WHERE m.project_name = $1 AND m.version = $2 ORDER BY t.tag_key`,
      [projectName, version],
    );
    if (rows.length === 0) return undefined;
    return rows.filter((row) => row.tag_key !== null).map((row) => ({ key: row.tag_key as string, value: row.tag_value as string }));
  }

  async setTags(projectName: string, version: number, tags: ModelTag[]): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      // The model row lock orders concurrent replacements (and a concurrent delete) one after the other.
      if ((await client.query('SELECT 1 FROM models WHERE project_name = $1 AND version = $2 FOR UPDATE', [projectName, version])).rowCount === 0) return false;
      await client.query('DELETE FROM model_tags WHERE project_name = $1 AND version = $2', [projectName, version]);
      for (const tag of tags) {
        await client.query('INSERT INTO model_tags (project_name, version, tag_key, tag_value) VALUES ($1, $2, $3, $4)', [projectName, version, tag.key, tag.value]);
      }
      return true;
    });
  }
}
