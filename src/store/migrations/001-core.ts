/** Settings, the embedded KMS, access keys and projects. */
export const coreMigration = `
  CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;

  CREATE TABLE kms_keys (
    key_id          TEXT PRIMARY KEY,
    arn             TEXT NOT NULL UNIQUE,
    description     TEXT NOT NULL,
    key_manager     TEXT NOT NULL CHECK (key_manager IN ('AWS', 'CUSTOMER')),
    state           TEXT NOT NULL CHECK (state IN ('Enabled', 'Disabled', 'PendingDeletion')),
    created_at      INTEGER NOT NULL,
    deletion_date   INTEGER,
    current_version INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE kms_key_versions (
    key_id          TEXT NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    version         INTEGER NOT NULL,
    sealed_material BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (key_id, version)
  ) STRICT;

  CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    sealed_secret BLOB NOT NULL,
    description   TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('Active', 'Inactive'))
  ) STRICT;

  CREATE TABLE projects (
    name       TEXT PRIMARY KEY,
    arn        TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  ) STRICT;
  `;
