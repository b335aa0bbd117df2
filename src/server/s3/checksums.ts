import type { ChecksumAlgorithm } from '../../store/bucketRecords.js';

export { CHECKSUM_BYTES, type Checksummer, createChecksummer } from '../../service/objectChecksums.js';

/** x-amz-checksum-* header (and trailer) names by algorithm. */
export const CHECKSUM_HEADERS: Record<ChecksumAlgorithm, string> = {
  CRC32: 'x-amz-checksum-crc32',
  CRC32C: 'x-amz-checksum-crc32c',
  CRC64NVME: 'x-amz-checksum-crc64nvme',
  SHA1: 'x-amz-checksum-sha1',
  SHA256: 'x-amz-checksum-sha256',
};

export function checksumAlgorithmOfHeader(name: string): ChecksumAlgorithm | undefined {
  return (Object.keys(CHECKSUM_HEADERS) as ChecksumAlgorithm[]).find((algorithm) => CHECKSUM_HEADERS[algorithm] === name.toLowerCase());
}
