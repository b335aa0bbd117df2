/**
 * The node registry of the PostgreSQL engine (see migrations/postgres/011-nodes.ts), kept here too so
 * that version N of either engine holds the same tables. The embedded default is one node and leaves
 * this table empty.
 */
export const nodesMigration = `
  CREATE TABLE nodes (
    id           TEXT PRIMARY KEY,
    role         TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
  ) STRICT;

  CREATE INDEX nodes_heartbeat ON nodes (heartbeat_at);
`;
