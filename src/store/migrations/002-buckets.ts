/**
 * S3-style buckets, objects, multipart uploads and parts. Keys are TEXT compared as BINARY, which
 * is UTF-8 byte order: the order ListObjectsV2 returns. JSON columns hold small maps.
 */
export const bucketsMigration = `
  CREATE TABLE buckets (
    name           TEXT PRIMARY KEY,
    created_at     INTEGER NOT NULL,
    sse_algorithm  TEXT CHECK (sse_algorithm IN ('aws:kms', 'AES256')),
    kms_key_id     TEXT
  ) STRICT;

  CREATE TABLE bucket_objects (
    bucket         TEXT NOT NULL REFERENCES buckets (name),
    key            TEXT NOT NULL,
    blob_key       TEXT NOT NULL UNIQUE,
    size           INTEGER NOT NULL,
    etag           TEXT NOT NULL,
    headers        TEXT NOT NULL,
    metadata       TEXT NOT NULL,
    last_modified  INTEGER NOT NULL,
    sse_algorithm  TEXT NOT NULL CHECK (sse_algorithm IN ('aws:kms', 'AES256')),
    kms_key_id     TEXT NOT NULL,
    checksums      TEXT NOT NULL,
    part_count     INTEGER,
    PRIMARY KEY (bucket, key)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE multipart_uploads (
    upload_id          TEXT PRIMARY KEY,
    bucket             TEXT NOT NULL REFERENCES buckets (name),
    key                TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    headers            TEXT NOT NULL,
    metadata           TEXT NOT NULL,
    sse_algorithm      TEXT NOT NULL CHECK (sse_algorithm IN ('aws:kms', 'AES256')),
    kms_key_id         TEXT NOT NULL,
    checksum_algorithm TEXT CHECK (checksum_algorithm IN ('CRC32', 'CRC32C', 'SHA256'))
  ) STRICT;
  CREATE INDEX multipart_uploads_by_bucket ON multipart_uploads (bucket, key);

  CREATE TABLE multipart_parts (
    upload_id      TEXT NOT NULL REFERENCES multipart_uploads (upload_id),
    part_number    INTEGER NOT NULL CHECK (part_number BETWEEN 1 AND 10000),
    blob_key       TEXT NOT NULL UNIQUE,
    size           INTEGER NOT NULL,
    etag           TEXT NOT NULL,
    checksums      TEXT NOT NULL,
    last_modified  INTEGER NOT NULL,
    PRIMARY KEY (upload_id, part_number)
  ) STRICT;
  `;
