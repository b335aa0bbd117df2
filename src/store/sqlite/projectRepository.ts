import type Database from 'better-sqlite3';
import type { ProjectRecord, ProjectRepository } from '../metadataStore.js';
import { toDate, type Row } from './rows.js';

export class SqliteProjects implements ProjectRepository {
  constructor(private readonly db: Database.Database) {}

  async list(limit: number, after?: string) {
    const rows = this.db
      .prepare('SELECT * FROM projects WHERE name > ? ORDER BY name LIMIT ?')
      .all(after ?? '', limit + 1) as Row[];
    const items: ProjectRecord[] = rows
      .slice(0, limit)
      .map((row) => ({ name: row.name as string, arn: row.arn as string, createdAt: toDate(row.created_at) }));
    return { items, next: rows.length > limit ? items[items.length - 1].name : undefined };
  }
}
