import { createHash, type Hash } from 'node:crypto';
import zlib from 'node:zlib';
import { Crc32 } from '@aws-crypto/crc32';
import { Crc32c } from '@aws-crypto/crc32c';
import type { ChecksumAlgorithm } from '../../store/bucketRecords.js';

/** x-amz-checksum-* header (and trailer) names by algorithm. */
export const CHECKSUM_HEADERS: Record<ChecksumAlgorithm, string> = {
  CRC32: 'x-amz-checksum-crc32',
  CRC32C: 'x-amz-checksum-crc32c',
  SHA256: 'x-amz-checksum-sha256',
};
/** Decoded sizes of each checksum. */
export const CHECKSUM_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, SHA256: 32 };

export function checksumAlgorithmOfHeader(name: string): ChecksumAlgorithm | undefined {
  return (Object.keys(CHECKSUM_HEADERS) as ChecksumAlgorithm[]).find((algorithm) => CHECKSUM_HEADERS[algorithm] === name.toLowerCase());
}

/** An incremental checksum whose digest is the base64 form S3 uses. */
export interface Checksummer {
  update(chunk: Buffer): void;
  digestBase64(): string;
}

export function createChecksummer(algorithm: ChecksumAlgorithm): Checksummer {
  if (algorithm === 'SHA256') {
    const hash: Hash = createHash('sha256');
    return { update: (chunk) => hash.update(chunk), digestBase64: () => hash.digest('base64') };
  }
  if (algorithm === 'CRC32' && typeof zlib.crc32 === 'function') {
    // zlib's CRC32 (Node >= 20.15) is native and ~100x faster than the JavaScript table of @aws-crypto/crc32.
    let value = 0;
    return {
      update: (chunk) => {
        value = zlib.crc32(chunk, value);
      },
      digestBase64: () => {
        const bytes = Buffer.alloc(4);
        bytes.writeUInt32BE(value >>> 0);
        return bytes.toString('base64');
      },
    };
  }
  const crc = algorithm === 'CRC32' ? new Crc32() : new Crc32c();
  return {
    update: (chunk) => crc.update(chunk),
    digestBase64: () => {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(crc.digest() >>> 0);
      return bytes.toString('base64');
    },
  };
}
