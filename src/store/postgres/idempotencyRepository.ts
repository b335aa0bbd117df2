import type pg from 'pg';
import type { IdempotencyRecord, IdempotencyRepository } from '../datasetRecords.js';
import { type Row, toDate } from './database.js';

export class PostgresIdempotency implements IdempotencyRepository {
  constructor(private readonly pool: pg.Pool) {}

  async get(scope: string, token: string, notBefore: Date): Promise<IdempotencyRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM idempotency_tokens WHERE scope = $1 AND token = $2 AND created_at >= $3', [scope, token, notBefore.getTime()]);
    return rows[0] && fromRow(rows[0]);
  }

  async putIfAbsent(record: IdempotencyRecord, notBefore: Date): Promise<IdempotencyRecord> {
    // An expired record for the same token is replaced: the token is free again after its lifetime. Two
    // nodes storing the same token at once: ON CONFLICT waits for the first to commit, then the second
    // reads (in a fresh snapshot) the record that won.
    const written = await this.pool.query(
      `INSERT INTO idempotency_tokens (scope, token, request_hash, response, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (scope, token) DO UPDATE SET request_hash = excluded.request_hash, response = excluded.response,
         created_at = excluded.created_at
       WHERE idempotency_tokens.created_at < $6
       RETURNING *`,
      [record.scope, record.token, record.requestHash, record.response, record.createdAt.getTime(), notBefore.getTime()],
    );
    if (written.rows[0]) return fromRow(written.rows[0]);
    const { rows } = await this.pool.query('SELECT * FROM idempotency_tokens WHERE scope = $1 AND token = $2', [record.scope, record.token]);
    return fromRow(rows[0]);
  }

  async deleteOlderThan(date: Date): Promise<void> {
    await this.pool.query('DELETE FROM idempotency_tokens WHERE created_at < $1', [date.getTime()]);
  }
}

function fromRow(row: Row): IdempotencyRecord {
  return {
    scope: row.scope as string,
    token: row.token as string,
    requestHash: row.request_hash as string,
    response: row.response as string,
    createdAt: toDate(row.created_at),
  };
}
