/**
 * Background jobs that several nodes share (training, dataset imports, model packaging): one row per job
 * until it is finished. A node claims a row by taking its lease (owner, expiry in database-clock epoch
 * milliseconds) and renews it while it works; a lease that runs out is taken by another node with the
 * next attempt number. Payloads hold names and ids only. One live job per kind and resource.
 */
export const jobsMigration = `
  CREATE TABLE jobs (
    id               BIGSERIAL PRIMARY KEY,
    kind             TEXT NOT NULL,
    resource         TEXT NOT NULL,
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'running')),
    attempt          INTEGER NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_at BIGINT,
    heartbeat_at     BIGINT,
    created_at       BIGINT NOT NULL
  );

  CREATE UNIQUE INDEX jobs_one_per_resource ON jobs (kind, resource);
  CREATE INDEX jobs_claimable ON jobs (state, lease_expires_at);
`;
