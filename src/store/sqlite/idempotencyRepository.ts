import type Database from 'better-sqlite3';
import { type IdempotencyRecord, type IdempotencyRepository, PENDING_RESPONSE } from '../datasetRecords.js';
import { idempotencyFromRow, type Row } from '../rows.js';

export class SqliteIdempotency implements IdempotencyRepository {
  constructor(private readonly db: Database.Database) {}

  async get(scope: string, token: string, notBefore: Date): Promise<IdempotencyRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM idempotency_tokens WHERE scope = ? AND token = ? AND created_at >= ?').get(scope, token, notBefore.getTime()) as Row | undefined;
    return row && idempotencyFromRow(row);
  }

  async reserve(record: Omit<IdempotencyRecord, 'response'>, notBefore: Date, abandonedBefore: Date): Promise<'reserved' | IdempotencyRecord> {
    return this.db
      .transaction(() => {
        // An expired record, or a reservation whose request never finished, frees the token again.
        const result = this.db
          .prepare(
            `INSERT INTO idempotency_tokens (scope, token, request_hash, response, created_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (scope, token) DO UPDATE SET request_hash = excluded.request_hash, response = excluded.response,
               created_at = excluded.created_at
             WHERE idempotency_tokens.created_at < ? OR (idempotency_tokens.response = ? AND idempotency_tokens.created_at < ?)`,
          )
          .run(record.scope, record.token, record.requestHash, PENDING_RESPONSE, record.createdAt.getTime(), notBefore.getTime(), PENDING_RESPONSE, abandonedBefore.getTime());
        if (result.changes === 1) return 'reserved' as const;
        return idempotencyFromRow(this.db.prepare('SELECT * FROM idempotency_tokens WHERE scope = ? AND token = ?').get(record.scope, record.token) as Row);
      })
      .immediate();
  }

  async complete(scope: string, token: string, response: string): Promise<void> {
    this.db.prepare('UPDATE idempotency_tokens SET response = ? WHERE scope = ? AND token = ? AND response = ?').run(response, scope, token, PENDING_RESPONSE);
  }

  async release(scope: string, token: string): Promise<void> {
    this.db.prepare('DELETE FROM idempotency_tokens WHERE scope = ? AND token = ? AND response = ?').run(scope, token, PENDING_RESPONSE);
  }

  async deleteOlderThan(date: Date): Promise<void> {
    this.db.prepare('DELETE FROM idempotency_tokens WHERE created_at < ?').run(date.getTime());
  }
}
