/**
 * S3-style buckets, objects, multipart uploads and parts. Keys use COLLATE "C", which is UTF-8 byte
 * order: the order ListObjectsV2 returns. JSON columns hold small maps as text.
 */
export const bucketsMigration = `
  CREATE TABLE buckets (
    name           TEXT COLLATE "C" PRIMARY KEY,
    created_at     BIGINT NOT NULL,
    sse_algorithm  TEXT CHECK (sse_algorithm IN ('aws:kms', 'AES256')),
    kms_key_id     TEXT
  );

  CREATE TABLE bucket_objects (
    bucket         TEXT COLLATE "C" NOT NULL REFERENCES buckets (name),
    key            TEXT COLLATE "C" NOT NULL,
    blob_key       TEXT NOT NULL UNIQUE,
    size           BIGINT NOT NULL,
    etag           TEXT NOT NULL,
    headers        TEXT NOT NULL,
    metadata       TEXT NOT NULL,
    last_modified  BIGINT NOT NULL,
    sse_algorithm  TEXT NOT NULL CHECK (sse_algorithm IN ('aws:kms', 'AES256')),
    kms_key_id     TEXT NOT NULL,
    checksums      TEXT NOT NULL,
    part_count     INTEGER,
    PRIMARY KEY (bucket, key)
  );

  CREATE TABLE multipart_uploads (
    upload_id          TEXT COLLATE "C" PRIMARY KEY,
    bucket             TEXT COLLATE "C" NOT NULL REFERENCES buckets (name),
    key                TEXT COLLATE "C" NOT NULL,
    created_at         BIGINT NOT NULL,
    headers            TEXT NOT NULL,
    metadata           TEXT NOT NULL,
    sse_algorithm      TEXT NOT NULL CHECK (sse_algorithm IN ('aws:kms', 'AES256')),
    kms_key_id         TEXT NOT NULL,
    checksum_algorithm TEXT CHECK (checksum_algorithm IN ('CRC32', 'CRC32C', 'SHA256'))
  );
  CREATE INDEX multipart_uploads_by_bucket ON multipart_uploads (bucket, key);

  CREATE TABLE multipart_parts (
    upload_id      TEXT COLLATE "C" NOT NULL REFERENCES multipart_uploads (upload_id),
    part_number    INTEGER NOT NULL CHECK (part_number BETWEEN 1 AND 10000),
    blob_key       TEXT NOT NULL UNIQUE,
    size           BIGINT NOT NULL,
    etag           TEXT NOT NULL,
    checksums      TEXT NOT NULL,
    last_modified  BIGINT NOT NULL,
    PRIMARY KEY (upload_id, part_number)
  );
`;
