import type pg from 'pg';
import type { ClaimedJob, JobKind, JobRepository } from '../jobRecords.js';
import { inTransaction } from './database.js';

/** The database's clock in epoch milliseconds: leases are compared against one clock, whatever the nodes' clocks say. */
const NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

export class PostgresJobs implements JobRepository {
  constructor(private readonly pool: pg.Pool) {}

  async enqueue(kind: JobKind, resource: string, payload: unknown): Promise<boolean> {
    const result = await this.pool.query(`INSERT INTO jobs (kind, resource, payload, state, created_at) VALUES ($1, $2, $3, 'queued', ${NOW_MS}) ON CONFLICT (kind, resource) DO NOTHING`, [
      kind,
      resource,
      JSON.stringify(payload),
    ]);
    return result.rowCount === 1;
  }

  async claimNew(kind: JobKind, resource: string, payload: unknown, owner: string, leaseMs: number): Promise<ClaimedJob | undefined> {
    const { rows } = await this.pool.query(
      `INSERT INTO jobs (kind, resource, payload, state, attempt, lease_owner, lease_expires_at, heartbeat_at, created_at)
         VALUES ($1, $2, $3, 'running', 1, $4, ${NOW_MS} + $5, ${NOW_MS}, ${NOW_MS})
       ON CONFLICT (kind, resource) DO UPDATE
         SET state = 'running', attempt = jobs.attempt + 1, payload = excluded.payload, lease_owner = excluded.lease_owner,
             lease_expires_at = excluded.lease_expires_at, heartbeat_at = excluded.heartbeat_at
         WHERE jobs.state = 'queued' OR jobs.lease_expires_at < ${NOW_MS}
       RETURNING id, attempt`,
      [kind, resource, JSON.stringify(payload), owner, leaseMs],
    );
    const row = rows[0];
    if (!row) return undefined;
    return { id: Number(row.id), kind, resource, payload, attempt: row.attempt as number, owner };
  }

  async claim(owner: string, leaseMs: number): Promise<ClaimedJob | undefined> {
    // SKIP LOCKED: nodes claiming at once each get a different row, and none waits on another's.
    const { rows } = await this.pool.query(
      `UPDATE jobs SET state = 'running', attempt = attempt + 1, lease_owner = $1, lease_expires_at = ${NOW_MS} + $2, heartbeat_at = ${NOW_MS}
        WHERE id = (
          SELECT id FROM jobs
           WHERE state = 'queued' OR (state = 'running' AND lease_expires_at < ${NOW_MS})
           ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id, kind, resource, payload, attempt`,
      [owner, leaseMs],
    );
    const row = rows[0];
    if (!row) return undefined;
    return { id: Number(row.id), kind: row.kind as JobKind, resource: row.resource as string, payload: JSON.parse(row.payload as string), attempt: row.attempt as number, owner };
  }

  async heartbeat(job: ClaimedJob, leaseMs: number): Promise<boolean> {
    const result = await this.pool.query(`UPDATE jobs SET lease_expires_at = ${NOW_MS} + $4, heartbeat_at = ${NOW_MS} WHERE id = $1 AND attempt = $2 AND lease_owner = $3 AND state = 'running'`, [
      job.id,
      job.attempt,
      job.owner,
      leaseMs,
    ]);
    return result.rowCount === 1;
  }

  async release(job: ClaimedJob): Promise<boolean> {
    const result = await this.pool.query(`UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 AND attempt = $2 AND lease_owner = $3 AND state = 'running'`, [
      job.id,
      job.attempt,
      job.owner,
    ]);
    return result.rowCount === 1;
  }

  finish(job: ClaimedJob, write: () => Promise<void>): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      // The lock is held until commit: a node claiming meanwhile skips this row, so the lease checked here
      // is still this attempt's when the write lands and the row is removed.
      const held = await client.query(`SELECT 1 FROM jobs WHERE id = $1 AND attempt = $2 AND lease_owner = $3 AND state = 'running' FOR UPDATE`, [job.id, job.attempt, job.owner]);
      if (held.rowCount !== 1) return false;
      await write();
      await client.query('DELETE FROM jobs WHERE id = $1', [job.id]);
      return true;
    });
  }

  async has(kind: JobKind, resource: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM jobs WHERE kind = $1 AND resource = $2', [kind, resource]);
    return rowCount === 1;
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query('SELECT count(*)::integer AS n FROM jobs');
    return rows[0].n as number;
  }
}
