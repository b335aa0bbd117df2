import type Database from 'better-sqlite3';
import type { SettingsRepository } from '../metadataStore.js';
import type { Row } from '../rows.js';

export class SqliteSettings implements SettingsRepository {
  constructor(private readonly db: Database.Database) {}

  async get(name: string): Promise<string | undefined> {
    const row = this.db.prepare('SELECT value FROM settings WHERE name = ?').get(name) as Row | undefined;
    return row?.value as string | undefined;
  }

  async putIfAbsent(name: string, value: string): Promise<string> {
    return this.db
      .transaction(() => {
        this.db.prepare('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(name, value);
        return (this.db.prepare('SELECT value FROM settings WHERE name = ?').get(name) as Row).value as string;
      })
      .immediate();
  }
}
