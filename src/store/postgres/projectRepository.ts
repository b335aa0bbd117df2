import type pg from 'pg';
import type { Page, ProjectRecord, ProjectRepository } from '../metadataStore.js';
import { projectFromRow } from '../rows.js';
import { inTransaction } from './database.js';

export class PostgresProjects implements ProjectRepository {
  constructor(private readonly pool: pg.Pool) {}

  async create(record: ProjectRecord): Promise<boolean> {
    const result = await this.pool.query('INSERT INTO projects (name, arn, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [record.name, record.arn, record.createdAt.getTime()]);
    return result.rowCount === 1;
  }

  async get(name: string): Promise<ProjectRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM projects WHERE name = $1', [name]);
    return rows[0] && projectFromRow(rows[0]);
  }

  async list(limit: number, after?: string): Promise<Page<ProjectRecord>> {
    const { rows } = await this.pool.query('SELECT * FROM projects WHERE name > $1 ORDER BY name LIMIT $2', [after ?? '', limit + 1]);
    const items = rows.slice(0, limit).map(projectFromRow);
    return { items, next: rows.length > limit ? items[items.length - 1].name : undefined };
  }

  async deleteIfEmpty(name: string): Promise<'deleted' | 'notFound' | 'notEmpty'> {
    return inTransaction(this.pool, async (client) => {
      // The row lock makes a concurrent CreateDataset or CreateModel (whose insert locks the project as its
      // parent) wait for this decision, or this one wait for theirs.
      if ((await client.query('SELECT 1 FROM projects WHERE name = $1 FOR UPDATE', [name])).rowCount === 0) return 'notFound';
      if ((await client.query('SELECT 1 FROM datasets WHERE project_name = $1 LIMIT 1', [name])).rowCount) return 'notEmpty';
      if ((await client.query('SELECT 1 FROM models WHERE project_name = $1 LIMIT 1', [name])).rowCount) return 'notEmpty';
      await client.query('DELETE FROM projects WHERE name = $1', [name]);
      return 'deleted';
    });
  }

  async bindImageSize(name: string, width: number, height: number): Promise<{ width: number; height: number }> {
    // One statement: the first size wins, and every caller reads the size that is bound now.
    const { rows } = await this.pool.query(
      `UPDATE projects SET image_width = COALESCE(image_width, $2),
         image_height = CASE WHEN image_width IS NULL THEN $3 ELSE image_height END
       WHERE name = $1 RETURNING image_width, image_height`,
      [name, width, height],
    );
    if (!rows[0]) throw new Error(`no project ${name}`);
    return { width: rows[0].image_width, height: rows[0].image_height };
  }

  async releaseImageSizeIfUnused(name: string): Promise<void> {
    await this.pool.query(
      `UPDATE projects SET image_width = NULL, image_height = NULL
       WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM datasets WHERE project_name = $1 AND stats_total > 0)`,
      [name],
    );
  }
}
