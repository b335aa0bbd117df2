import type pg from 'pg';
import type { NodeRecord, NodeRepository } from '../nodeRecords.js';

/** The database's clock in epoch milliseconds: every node judges liveness by the same clock. */
const NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

export class PostgresNodes implements NodeRepository {
  constructor(private readonly pool: pg.Pool) {}

  async heartbeat(node: { id: string; role: string }, windowMs: number, forgetMs: number): Promise<NodeRecord[]> {
    await this.pool.query(
      `INSERT INTO nodes (id, role, started_at, heartbeat_at) VALUES ($1, $2, ${NOW_MS}, ${NOW_MS})
       ON CONFLICT (id) DO UPDATE SET role = excluded.role, heartbeat_at = excluded.heartbeat_at`,
      [node.id, node.role],
    );
    await this.pool.query(`DELETE FROM nodes WHERE heartbeat_at < ${NOW_MS} - $1`, [forgetMs]);
    const { rows } = await this.pool.query(`SELECT id, role, started_at, heartbeat_at FROM nodes WHERE heartbeat_at >= ${NOW_MS} - $1 ORDER BY id COLLATE "C"`, [windowMs]);
    return rows.map((row) => ({ id: row.id as string, role: row.role as string, startedAt: new Date(Number(row.started_at)), heartbeatAt: new Date(Number(row.heartbeat_at)) }));
  }

  async remove(id: string): Promise<void> {
    await this.pool.query('DELETE FROM nodes WHERE id = $1', [id]);
  }
}
