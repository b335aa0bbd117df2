/**
 * The shared job table of the PostgreSQL engine (see migrations/postgres/008-jobs.ts), kept here too so
 * that version N of either engine holds the same tables. The embedded default runs its jobs in process
 * and leaves this table empty.
 */
export const jobsMigration = `
  CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    resource         TEXT NOT NULL,
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'running')),
    attempt          INTEGER NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_at INTEGER,
    heartbeat_at     INTEGER,
    created_at       INTEGER NOT NULL
  ) STRICT;

  CREATE UNIQUE INDEX jobs_one_per_resource ON jobs (kind, resource);
  CREATE INDEX jobs_claimable ON jobs (state, lease_expires_at);
`;
