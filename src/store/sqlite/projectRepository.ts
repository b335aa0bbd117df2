import type Database from 'better-sqlite3';
import type { ProjectRecord, ProjectRepository } from '../metadataStore.js';
import { projectFromRow, type Row } from '../rows.js';

export class SqliteProjects implements ProjectRepository {
  constructor(private readonly db: Database.Database) {}

  async create(record: ProjectRecord): Promise<boolean> {
    const result = this.db.prepare('INSERT INTO projects (name, arn, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(record.name, record.arn, record.createdAt.getTime());
    return result.changes === 1;
  }

  async get(name: string): Promise<ProjectRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM projects WHERE name = ?').get(name) as Row | undefined;
    return row && projectFromRow(row);
  }

  async list(limit: number, after?: string) {
    const rows = this.db.prepare('SELECT * FROM projects WHERE name > ? ORDER BY name LIMIT ?').all(after ?? '', limit + 1) as Row[];
    const items = rows.slice(0, limit).map(projectFromRow);
    return { items, next: rows.length > limit ? items[items.length - 1].name : undefined };
  }

  async deleteIfEmpty(name: string): Promise<'deleted' | 'notFound' | 'notEmpty'> {
    return this.db
      .transaction(() => {
        if (!this.db.prepare('SELECT 1 FROM projects WHERE name = ?').get(name)) return 'notFound';
        if (this.db.prepare('SELECT 1 FROM datasets WHERE project_name = ?').get(name)) return 'notEmpty';
        if (this.db.prepare('SELECT 1 FROM models WHERE project_name = ?').get(name)) return 'notEmpty';
        this.db.prepare('DELETE FROM projects WHERE name = ?').run(name);
        return 'deleted';
      })
      .immediate();
  }

  async bindImageSize(name: string, width: number, height: number): Promise<{ width: number; height: number }> {
    return this.db
      .transaction(() => {
        this.db.prepare('UPDATE projects SET image_width = ?, image_height = ? WHERE name = ? AND image_width IS NULL').run(width, height, name);
        const row = this.db.prepare('SELECT image_width, image_height FROM projects WHERE name = ?').get(name) as Row;
        return { width: row.image_width as number, height: row.image_height as number };
      })
      .immediate();
  }

  async releaseImageSizeIfUnused(name: string): Promise<void> {
    this.db
      .prepare(
        `UPDATE projects SET image_width = NULL, image_height = NULL
         WHERE name = ? AND NOT EXISTS (SELECT 1 FROM datasets WHERE project_name = ? AND stats_total > 0)`,
      )
      .run(name, name);
  }
}
