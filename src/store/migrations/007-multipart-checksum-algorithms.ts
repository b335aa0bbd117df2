/**
 * Multipart uploads may name SHA1 and CRC64NVME as their checksum algorithm too (current SDKs send them).
 * SQLite cannot change a CHECK constraint in place: the table is rebuilt (the runner turns foreign keys off
 * around migrations and checks them before each commit, as SQLite's ALTER TABLE procedure says).
 */
export const multipartChecksumAlgorithmsMigration = `
  CREATE TABLE multipart_uploads_v7 (
    upload_id          TEXT PRIMARY KEY,
    bucket             TEXT NOT NULL REFERENCES buckets (name),
    key                TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    headers            TEXT NOT NULL,
    metadata           TEXT NOT NULL,
    sse_algorithm      TEXT NOT NULL CHECK (sse_algorithm IN ('aws:kms', 'AES256')),
    kms_key_id         TEXT NOT NULL,
    checksum_algorithm TEXT CHECK (checksum_algorithm IN ('CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'))
  ) STRICT;
  INSERT INTO multipart_uploads_v7 SELECT * FROM multipart_uploads;
  DROP TABLE multipart_uploads;
  ALTER TABLE multipart_uploads_v7 RENAME TO multipart_uploads;
  CREATE INDEX multipart_uploads_by_bucket ON multipart_uploads (bucket, key);
`;
