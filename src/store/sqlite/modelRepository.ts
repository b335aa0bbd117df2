import type Database from 'better-sqlite3';
import type { ModelChanges, ModelRecord, ModelRepository, ModelStatus, ModelTag } from '../modelRecords.js';
import { optionalDate, type Row, toDate } from './rows.js';
import { transitionWhereStatus } from './statusTransition.js';

const COLUMNS: Record<string, string> = {
  status: 'status',
  statusMessage: 'status_message',
  description: 'description',
  updatedAt: 'updated_at',
  kmsKeyId: 'kms_key_id',
  outputBucket: 'output_bucket',
  outputPrefix: 'output_prefix',
  performance: 'performance',
  artifactBlob: 'artifact_blob',
  evaluationManifest: 'evaluation_manifest',
  evaluationResult: 'evaluation_result',
  evaluationEnd: 'evaluation_end',
  minInferenceUnits: 'min_inference_units',
  maxInferenceUnits: 'max_inference_units',
  trainingAttempts: 'training_attempts',
  imageWidth: 'image_width',
  imageHeight: 'image_height',
};

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
    return row && fromRow(row);
  }

  async latest(projectName: string): Promise<ModelRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM models WHERE project_name = ? ORDER BY version DESC LIMIT 1').get(projectName) as Row | undefined;
    return row && fromRow(row);
  }

  async list(projectName: string, limit: number, beforeVersion?: number): Promise<{ items: ModelRecord[]; next?: number }> {
    const rows = this.db
      .prepare('SELECT * FROM models WHERE project_name = ? AND version < ? ORDER BY version DESC LIMIT ?')
      .all(projectName, beforeVersion ?? Number.MAX_SAFE_INTEGER, limit + 1) as Row[];
    const items = rows.slice(0, limit).map(fromRow);
    return { items, next: rows.length > limit ? items[items.length - 1].version : undefined };
  }

  async transition(projectName: string, version: number, from: readonly ModelStatus[], to: ModelChanges): Promise<boolean> {
    return transitionWhereStatus(this.db, 'models', { project_name: projectName, version }, from, to, COLUMNS);
  }

  async delete(projectName: string, version: number, from: readonly ModelStatus[]): Promise<boolean> {
    const result = this.db.prepare(`DELETE FROM models WHERE project_name = ? AND version = ? AND status IN (${from.map(() => '?').join(', ')})`).run(projectName, version, ...from);
    return result.changes === 1;
  }

  async withStatus(statuses: readonly ModelStatus[]): Promise<ModelRecord[]> {
    const rows = this.db.prepare(`SELECT * FROM models WHERE status IN (${statuses.map(() => '?').join(', ')})`).all(...statuses) as Row[];
    return rows.map(fromRow);
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

function fromRow(row: Row): ModelRecord {
  const optional = <T>(value: unknown): T | undefined => (value == null ? undefined : (value as T));
  return {
    projectName: row.project_name as string,
    version: row.version as number,
    arn: row.arn as string,
    status: row.status as ModelStatus,
    statusMessage: optional(row.status_message),
    description: optional(row.description),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    kmsKeyId: row.kms_key_id as string,
    outputBucket: row.output_bucket as string,
    outputPrefix: row.output_prefix as string,
    performance: row.performance == null ? undefined : JSON.parse(row.performance as string),
    artifactBlob: optional(row.artifact_blob),
    evaluationManifest: optional(row.evaluation_manifest),
    evaluationResult: optional(row.evaluation_result),
    evaluationEnd: optionalDate(row.evaluation_end),
    minInferenceUnits: optional(row.min_inference_units),
    maxInferenceUnits: optional(row.max_inference_units),
    trainingAttempts: row.training_attempts as number,
    imageWidth: optional(row.image_width),
    imageHeight: optional(row.image_height),
  };
}
