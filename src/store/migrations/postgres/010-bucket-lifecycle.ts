/** A bucket's lifecycle rules, as the SQLite migration 010 describes them. */
export const bucketLifecycleMigration = `
  ALTER TABLE buckets ADD COLUMN lifecycle TEXT;
`;
