import pg from 'pg';

/** What a repository queries through: the pool, or one client inside a transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

const INT8_OID = 20;

/** Where a database is (user@host:port/database), for messages: never the password, nor the URL's query. */
export function databaseShown(connectionString: string): string {
  const url = new URL(connectionString);
  return `${url.username ? `${decodeURIComponent(url.username)}@` : ''}${url.host}${url.pathname}`;
}

/**
 * BIGINT columns (times in milliseconds, object sizes) come back as numbers rather than strings; every
 * value Vigil stores there is below 2^53. Set per pool, so other users of `pg` in the process are untouched.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID && format !== 'binary' ? Number : pg.types.getTypeParser(oid, format ?? 'text'))) as typeof pg.types.getTypeParser,
};

export function openPool(connectionString: string): pg.Pool {
  // A server that does not answer fails the start (or a request) within 10 s instead of hanging it.
  const pool = new pg.Pool({ connectionString, types, max: 10, connectionTimeoutMillis: 10_000 });
  // An idle connection that breaks (server restart) is dropped from the pool; the next query reports the
  // failure to its caller. Without a listener the error would end the process.
  pool.on('error', () => {});
  return pool;
}

/**
 * Runs `work` in one READ COMMITTED transaction on one connection: committed when it returns, rolled
 * back when it throws. Rows that two nodes could change at once are locked inside (FOR UPDATE).
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** `$first, $first+1, …` for `count` values. */
export function placeholders(count: number, first = 1): string {
  return Array.from({ length: count }, (_, index) => `$${first + index}`).join(', ');
}
