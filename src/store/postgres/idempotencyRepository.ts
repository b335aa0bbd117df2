import type pg from 'pg';
import { type IdempotencyRecord, type IdempotencyRepository, PENDING_RESPONSE } from '../datasetRecords.js';
import { idempotencyFromRow } from '../rows.js';

export class PostgresIdempotency implements IdempotencyRepository {
  constructor(private readonly pool: pg.Pool) {}

  async get(scope: string, token: string, notBefore: Date): Promise<IdempotencyRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM idempotency_tokens WHERE scope = $1 AND token = $2 AND created_at >= $3', [scope, token, notBefore.getTime()]);
    return rows[0] && idempotencyFromRow(rows[0]);
  }

  async reserve(record: Omit<IdempotencyRecord, 'response'>, notBefore: Date, abandonedBefore: Date): Promise<'reserved' | IdempotencyRecord> {
    // An expired record, or a reservation whose request never finished, frees the token again. Of nodes
    // reserving one token at once, ON CONFLICT makes each wait for the one before it to commit, then re-checks
    // the condition on the row it committed: one reserves, the others read (in a fresh snapshot) its record.
    const reserved = await this.pool.query(
      `INSERT INTO idempotency_tokens (scope, token, request_hash, response, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (scope, token) DO UPDATE SET request_hash = excluded.request_hash, response = excluded.response,
         created_at = excluded.created_at
       WHERE idempotency_tokens.created_at < $6 OR (idempotency_tokens.response = $4 AND idempotency_tokens.created_at < $7)
       RETURNING 1`,
      [record.scope, record.token, record.requestHash, PENDING_RESPONSE, record.createdAt.getTime(), notBefore.getTime(), abandonedBefore.getTime()],
    );
    if (reserved.rowCount === 1) return 'reserved';
    const { rows } = await this.pool.query('SELECT * FROM idempotency_tokens WHERE scope = $1 AND token = $2', [record.scope, record.token]);
    // Gone in between (its request failed and released it): the caller simply tries again.
    return rows[0] ? idempotencyFromRow(rows[0]) : { ...record, createdAt: new Date(0), response: PENDING_RESPONSE };
  }

  async complete(scope: string, token: string, response: string): Promise<void> {
    await this.pool.query('UPDATE idempotency_tokens SET response = $1 WHERE scope = $2 AND token = $3 AND response = $4', [response, scope, token, PENDING_RESPONSE]);
  }

  async release(scope: string, token: string): Promise<void> {
    await this.pool.query('DELETE FROM idempotency_tokens WHERE scope = $1 AND token = $2 AND response = $3', [scope, token, PENDING_RESPONSE]);
  }

  async deleteOlderThan(date: Date): Promise<void> {
    await this.pool.query('DELETE FROM idempotency_tokens WHERE created_at < $1', [date.getTime()]);
  }
}
