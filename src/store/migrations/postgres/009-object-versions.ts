/** Bucket versioning, part sizes, tags and SSE-C key hashes, as the SQLite migration 009 describes them; the existing objects become each key's "null" version. */
export const objectVersionsMigration = `
  ALTER TABLE buckets ADD COLUMN versioning TEXT CHECK (versioning IN ('Enabled', 'Suspended'));
  ALTER TABLE multipart_uploads ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE multipart_uploads ADD COLUMN customer_key_hash TEXT;

  ALTER TABLE bucket_objects DROP CONSTRAINT bucket_objects_pkey;
  ALTER TABLE bucket_objects
    ADD COLUMN version_id    TEXT COLLATE "C" NOT NULL DEFAULT 'null',
    ADD COLUMN seq           BIGINT NOT NULL DEFAULT 1,
    ADD COLUMN is_latest     BOOLEAN NOT NULL DEFAULT TRUE,
    ADD COLUMN delete_marker BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN parts         TEXT,
    ADD COLUMN tags          TEXT NOT NULL DEFAULT '{}',
    ADD COLUMN customer_key_hash TEXT;
  ALTER TABLE bucket_objects
    ALTER COLUMN version_id DROP DEFAULT,
    ALTER COLUMN seq DROP DEFAULT,
    ALTER COLUMN is_latest DROP DEFAULT,
    ALTER COLUMN delete_marker DROP DEFAULT,
    ALTER COLUMN tags DROP DEFAULT,
    ALTER COLUMN blob_key DROP NOT NULL,
    ALTER COLUMN sse_algorithm DROP NOT NULL,
    ALTER COLUMN kms_key_id DROP NOT NULL;
  ALTER TABLE bucket_objects ADD PRIMARY KEY (bucket, key, version_id);
  ALTER TABLE bucket_objects ADD CONSTRAINT bucket_objects_object_has_blob
    CHECK (delete_marker OR (blob_key IS NOT NULL AND sse_algorithm IS NOT NULL AND kms_key_id IS NOT NULL));
  ALTER TABLE bucket_objects ADD CONSTRAINT bucket_objects_marker_has_no_blob CHECK (NOT delete_marker OR blob_key IS NULL);
  CREATE UNIQUE INDEX bucket_objects_latest ON bucket_objects (bucket, key) WHERE is_latest;
  CREATE INDEX bucket_objects_by_seq ON bucket_objects (bucket, key, seq);
`;
