/** Aliases and tags of KMS keys (removed with their key) and automatic rotation schedules. */
export const kmsAliasesRotationMigration = `
  CREATE TABLE kms_aliases (
    alias_name TEXT COLLATE "C" PRIMARY KEY,
    key_id     TEXT COLLATE "C" NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX kms_aliases_by_key ON kms_aliases (key_id);

  CREATE TABLE kms_key_tags (
    key_id    TEXT COLLATE "C" NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    tag_key   TEXT COLLATE "C" NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (key_id, tag_key)
  );

  ALTER TABLE kms_keys ADD COLUMN rotation_period_days INTEGER;
  ALTER TABLE kms_keys ADD COLUMN next_rotation BIGINT;
`;
