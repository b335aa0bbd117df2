/** Multipart uploads may name SHA1 and CRC64NVME as their checksum algorithm too (current SDKs send them). */
export const multipartChecksumAlgorithmsMigration = `
  ALTER TABLE multipart_uploads DROP CONSTRAINT multipart_uploads_checksum_algorithm_check;
  ALTER TABLE multipart_uploads ADD CONSTRAINT multipart_uploads_checksum_algorithm_check
    CHECK (checksum_algorithm IN ('CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'));
`;
