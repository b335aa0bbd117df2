import type pg from 'pg';
import type { SettingsRepository } from '../metadataStore.js';

export class PostgresSettings implements SettingsRepository {
  constructor(private readonly pool: pg.Pool) {}

  async get(name: string): Promise<string | undefined> {
    const { rows } = await this.pool.query('SELECT value FROM settings WHERE name = $1', [name]);
    return rows[0]?.value;
  }

  async putIfAbsent(name: string, value: string): Promise<string> {
    // Two statements on purpose: the SELECT takes a fresh snapshot, so it sees the row of a node whose
    // concurrent insert won (ON CONFLICT waited for that node's commit).
    const inserted = await this.pool.query('INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value', [name, value]);
    if (inserted.rowCount === 1) return value;
    const { rows } = await this.pool.query('SELECT value FROM settings WHERE name = $1', [name]);
    return rows[0].value;
  }
}
