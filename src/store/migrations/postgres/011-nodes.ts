/**
 * The node registry: one row per Vigil node sharing the database, renewed by the node every few seconds
 * (database-clock epoch milliseconds). A node counts the rows renewed within the job lease as the live
 * nodes among which each hosted model's capacity is divided. Names and roles only.
 */
export const nodesMigration = `
  CREATE TABLE nodes (
    id           TEXT PRIMARY KEY,
    role         TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
  );

  CREATE INDEX nodes_heartbeat ON nodes (heartbeat_at);
`;
