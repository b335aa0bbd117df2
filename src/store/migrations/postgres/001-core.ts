/**
 * Settings, the embedded KMS, access keys and projects. Times are epoch milliseconds (BIGINT), as in
 * the SQLite schema. Names that are listed in order use COLLATE "C": byte order, as SQLite's BINARY,
 * whatever the database's default collation.
 */
export const coreMigration = `
  CREATE TABLE settings (
    name  TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE kms_keys (
    key_id          TEXT COLLATE "C" PRIMARY KEY,
    arn             TEXT NOT NULL UNIQUE,
    description     TEXT NOT NULL,
    key_manager     TEXT NOT NULL CHECK (key_manager IN ('AWS', 'CUSTOMER')),
    state           TEXT NOT NULL CHECK (state IN ('Enabled', 'Disabled', 'PendingDeletion')),
    created_at      BIGINT NOT NULL,
    deletion_date   BIGINT,
    current_version INTEGER NOT NULL
  );

  CREATE TABLE kms_key_versions (
    key_id          TEXT COLLATE "C" NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    version         INTEGER NOT NULL,
    sealed_material BYTEA NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (key_id, version)
  );

  CREATE TABLE access_keys (
    access_key_id TEXT COLLATE "C" PRIMARY KEY,
    sealed_secret BYTEA NOT NULL,
    description   TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('Active', 'Inactive'))
  );

  CREATE TABLE projects (
    name       TEXT COLLATE "C" PRIMARY KEY,
    arn        TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
  );
`;
