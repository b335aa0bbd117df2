/** Model versions of projects (training, evaluation and hosting state) and their tags. */
export const modelsMigration = `
  ALTER TABLE projects ADD COLUMN next_model_version INTEGER NOT NULL DEFAULT 1;

  CREATE TABLE models (
    project_name        TEXT COLLATE "C" NOT NULL REFERENCES projects (name),
    version             INTEGER NOT NULL,
    arn                 TEXT NOT NULL UNIQUE,
    status              TEXT NOT NULL,
    status_message      TEXT,
    description         TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    kms_key_id          TEXT NOT NULL,
    output_bucket       TEXT NOT NULL,
    output_prefix       TEXT NOT NULL,
    performance         TEXT,
    artifact_blob       TEXT,
    evaluation_manifest TEXT,
    evaluation_result   TEXT,
    evaluation_end      BIGINT,
    min_inference_units INTEGER,
    max_inference_units INTEGER,
    training_attempts   INTEGER NOT NULL DEFAULT 0,
    image_width         INTEGER,
    image_height        INTEGER,
    PRIMARY KEY (project_name, version)
  );
  CREATE INDEX models_status ON models (status);

  CREATE TABLE model_tags (
    project_name TEXT COLLATE "C" NOT NULL,
    version      INTEGER NOT NULL,
    tag_key      TEXT COLLATE "C" NOT NULL,
    tag_value    TEXT NOT NULL,
    PRIMARY KEY (project_name, version, tag_key),
    FOREIGN KEY (project_name, version) REFERENCES models (project_name, version) ON DELETE CASCADE
  );
`;
