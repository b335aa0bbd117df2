/** A bucket's lifecycle rules (PutBucketLifecycleConfiguration): one JSON document, NULL when it has none. */
export const bucketLifecycleMigration = `
  ALTER TABLE buckets ADD COLUMN lifecycle TEXT;
`;
