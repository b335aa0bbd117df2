/** Aliases and tags of KMS keys (removed with their key) and automatic rotation schedules. */
export const kmsAliasesRotationMigration = `
  CREATE TABLE kms_aliases (
    alias_name TEXT PRIMARY KEY,
    key_id     TEXT NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE kms_key_tags (
    key_id    TEXT NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    tag_key   TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (key_id, tag_key)
  ) STRICT;

  ALTER TABLE kms_keys ADD COLUMN rotation_period_days INTEGER;
  ALTER TABLE kms_keys ADD COLUMN next_rotation INTEGER;
`;
