/** Aliases of KMS keys (alias/name → key), removed with their key. */
export const kmsAliasesMigration = `
  CREATE TABLE kms_aliases (
    alias_name TEXT PRIMARY KEY,
    key_id     TEXT NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
  ) STRICT;
`;
