import type Database from 'better-sqlite3';
import type { ModelChanges, ModelRecord, ModelRepository, ModelStatus, ModelTag } from '../modelRecords.js';
import { MODEL_COLUMNS, modelFromRow, type Row } from '../rows.js';
import { transitionWhereStatus } from './statusTransition.js';

export class SqliteModels implements ModelRepository {
  constructor(private readonly db: Database.Database) {}

  async create(record: Omit<ModelRecord, 'version' | 'arn'>, arnOf: (version: number) => string, tags: ModelTag[]): Promise<ModelRecord> {
    return this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT next_model_version FROM projects WHERE name = ?').get(record.projectName) as Row | undefined;
        if (!row) throw new Error(`no project ${record.projectName}`);
        const version = row.next_model_version as number;
        this.db.prepare('UPDATE projects SET next_model_version = ? WHERE name = ?').run(version + 1, record.projectName);
        const full: ModelRecord = { ...record, version, arn: arnOf(version) };
        this.db
          .prepare(
            `INSERT INTO models (project_name, version, arn, status, status_message, description, created_at, updated_at, kms_key_id,
             output_bucket, output_prefix, training_attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
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
          );
        const insertTag = this.db.prepare('INSERT INTO model_tags (project_name, version, tag_key, tag_value) VALUES (?, ?, ?, ?)');
        for (const tag of tags) insertTag.run(full.projectName, version, tag.key, tag.value);
        return full;
      })
      .immediate();
  }

  async get(projectName: string, version: number): Promise<ModelRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM models WHERE project_name = ? AND version = ?').get(projectName, version) as Row | undefined;
    return row && modelFromRow(row);
  }

  async latest(projectName: string): Promise<ModelRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM models WHERE project_name = ? ORDER BY version DESC LIMIT 1').get(projectName) as Row | undefined;
    return row && modelFromRow(row);
  }

  async list(projectName: string, limit: number, beforeVersion?: number): Promise<{ items: ModelRecord[]; next?: number }> {
    const rows = this.db
      .prepare('SELECT * FROM models WHERE project_name = ? AND version < ? ORDER BY version DESC LIMIT ?')
      .all(projectName, beforeVersion ?? Number.MAX_SAFE_INTEGER, limit + 1) as Row[];
    const items = rows.slice(0, limit).map(modelFromRow);
    return { items, next: rows.length > limit ? items[items.length - 1].version : undefined };
  }

  async transition(projectName: string, version: number, from: readonly ModelStatus[], to: ModelChanges): Promise<boolean> {
    return transitionWhereStatus(this.db, 'models', { project_name: projectName, version }, from, to, MODEL_COLUMNS);
  }

  async delete(projectName: string, version: number, from: readonly ModelStatus[]): Promise<boolean> {
    const result = this.db.prepare(`DELETE FROM models WHERE project_name = ? AND version = ? AND status IN (${from.map(() => '?').join(', ')})`).run(projectName, version, ...from);
    return result.changes === 1;
  }

  async withStatus(statuses: readonly ModelStatus[]): Promise<ModelRecord[]> {
    const rows = this.db.prepare(`SELECT * FROM models WHERE status IN (${statuses.map(() => '?').join(', ')})`).all(...statuses) as Row[];
    return rows.map(modelFromRow);
  }

  async tagsOf(projectName: string, version: number): Promise<ModelTag[] | undefined> {
    if (!this.db.prepare('SELECT 1 FROM models WHERE project_name = ? AND version = ?').get(projectName, version)) return undefined;
    const rows = this.db.prepare('SELECT tag_key, tag_value FROM model_tags WHERE project_name = ? AND version = ? ORDER BY tag_key').all(projectName, version) as Row[];
    return rows.map((row) => ({ key: row.tag_key as string, value: row.tag_value as string }));
  }

  async setTags(projectName: string, version: number, tags: ModelTag[]): Promise<boolean> {
    return this.db
      .transaction(() => {
        if (!this.db.prepare('SELECT 1 FROM models WHERE project_name = ? AND version = ?').get(projectName, version)) return false;
        this.db.prepare('DELETE FROM model_tags WHERE project_name = ? AND version = ?').run(projectName, version);
        const insert = this.db.prepare('INSERT INTO model_tags (project_name, version, tag_key, tag_value) VALUES (?, ?, ?, ?)');
        for (const tag of tags) insert.run(projectName, version, tag.key, tag.value);
        return true;
      })
      .immediate();
  }
}
