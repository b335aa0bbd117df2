/**
 * Bucket versioning: a bucket's state (never set, Enabled, Suspended), and every version of a key as its own
 * row of bucket_objects: its version id ("null" for one written without versioning), its place among the
 * key's versions (seq, ascending), whether it is the latest, and whether it is a delete marker (no blob, no
 * encryption). The objects there so far become each key's "null" version, its latest. At most one latest row
 * per key (a partial unique index), and the current objects are listed through that index. A multipart
 * object keeps the size and checksums of each of its parts (parts, JSON; GetObject by part number,
 * GetObjectAttributes), and every version its tags (JSON, as multipart uploads keep those of x-amz-tagging).
 * An object written with a customer-provided key (SSE-C) keeps a salted HMAC of that key, never the key.
 * SQLite cannot change a primary key in place: the table is rebuilt (see 007).
 */
export const objectVersionsMigration = `
  ALTER TABLE buckets ADD COLUMN versioning TEXT CHECK (versioning IN ('Enabled', 'Suspended'));
  ALTER TABLE multipart_uploads ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE multipart_uploads ADD COLUMN customer_key_hash TEXT;

  CREATE TABLE bucket_objects_v9 (
    bucket         TEXT NOT NULL REFERENCES buckets (name),
    key            TEXT NOT NULL,
    version_id     TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    is_latest      INTEGER NOT NULL CHECK (is_latest IN (0, 1)),
    delete_marker  INTEGER NOT NULL CHECK (delete_marker IN (0, 1)),
    blob_key       TEXT UNIQUE,
    size           INTEGER NOT NULL,
    etag           TEXT NOT NULL,
    headers        TEXT NOT NULL,
    metadata       TEXT NOT NULL,
    last_modified  INTEGER NOT NULL,
    sse_algorithm  TEXT CHECK (sse_algorithm IN ('aws:kms', 'AES256')),
    kms_key_id     TEXT,
    checksums      TEXT NOT NULL,
    part_count     INTEGER,
    parts          TEXT,
    tags           TEXT NOT NULL,
    customer_key_hash TEXT,
    CHECK (delete_marker = 1 OR (blob_key IS NOT NULL AND sse_algorithm IS NOT NULL AND kms_key_id IS NOT NULL)),
    CHECK (delete_marker = 0 OR blob_key IS NULL),
    PRIMARY KEY (bucket, key, version_id)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO bucket_objects_v9
    SELECT bucket, key, 'null', 1, 1, 0, blob_key, size, etag, headers, metadata, last_modified, sse_algorithm, kms_key_id, checksums, part_count, NULL, '{}', NULL
    FROM bucket_objects;
  DROP TABLE bucket_objects;
  ALTER TABLE bucket_objects_v9 RENAME TO bucket_objects;
  CREATE UNIQUE INDEX bucket_objects_latest ON bucket_objects (bucket, key) WHERE is_latest = 1;
  CREATE INDEX bucket_objects_by_seq ON bucket_objects (bucket, key, seq);
`;
