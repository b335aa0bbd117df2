import type Database from 'better-sqlite3';
import type { ModelRecord, ModelRepository, ModelTag } from '../modelRecords.js';
import { toDate, type Row } from './rows.js';

export class SqliteModels implements ModelRepository {
  constructor(private readonly db: Database.Database) {}

  async get(projectName: string, version: number): Promise<ModelRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM models WHERE project_name = ? AND version = ?').get(projectName, version) as Row | undefined;
    if (!row) return undefined;
    return {
      projectName: row.project_name as string,
      version: row.version as number,
      arn: row.arn as string,
      status: row.status as string,
      createdAt: toDate(row.created_at),
    };
  }

  async tagsOf(projectName: string, version: number): Promise<ModelTag[] | undefined> {
    if (!this.db.prepare('SELECT 1 FROM models WHERE project_name = ? AND version = ?').get(projectName, version)) return undefined;
    const rows = this.db
      .prepare('SELECT tag_key, tag_value FROM model_tags WHERE project_name = ? AND version = ? ORDER BY tag_key')
      .all(projectName, version) as Row[];
    return rows.map((row) => ({ key: row.tag_key as string, value: row.tag_value as string }));
  }

  async setTags(projectName: string, version: number, tags: ModelTag[]): Promise<boolean> {
    return this.db.transaction(() => {
      if (!this.db.prepare('SELECT 1 FROM models WHERE project_name = ? AND version = ?').get(projectName, version)) return false;
      this.db.prepare('DELETE FROM model_tags WHERE project_name = ? AND version = ?').run(projectName, version);
      const insert = this.db.prepare('INSERT INTO model_tags (project_name, version, tag_key, tag_value) VALUES (?, ?, ?, ?)');
      for (const tag of tags) insert.run(projectName, version, tag.key, tag.value);
      return true;
    }).immediate();
  }
}
