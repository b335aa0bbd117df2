/** Datasets of projects, the image size a project is bound to, and idempotent request records. */
export const datasetsMigration = `
  ALTER TABLE projects ADD COLUMN image_width INTEGER;
  ALTER TABLE projects ADD COLUMN image_height INTEGER;

  CREATE TABLE datasets (
    project_name   TEXT COLLATE "C" NOT NULL REFERENCES projects (name),
    dataset_type   TEXT NOT NULL CHECK (dataset_type IN ('train', 'test')),
    status         TEXT NOT NULL,
    status_message TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    entries_blob   TEXT,
    stats_total    INTEGER NOT NULL DEFAULT 0,
    stats_labeled  INTEGER NOT NULL DEFAULT 0,
    stats_normal   INTEGER NOT NULL DEFAULT 0,
    stats_anomaly  INTEGER NOT NULL DEFAULT 0,
    image_bucket   TEXT,
    PRIMARY KEY (project_name, dataset_type)
  );

  CREATE TABLE idempotency_tokens (
    scope        TEXT NOT NULL,
    token        TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, token)
  );
  CREATE INDEX idempotency_tokens_created_at ON idempotency_tokens (created_at);
`;
