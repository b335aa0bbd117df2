/*
 * The checksums S3 keeps of an object (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html):
 * CRC32, CRC32C, CRC64NVME, SHA1 and SHA256 of the plaintext, base64. A multipart object has either a
 * full-object checksum (CRC only: that of all its bytes) or a composite one (the checksum of its parts'
 * decoded checksums, "-<parts>" appended).
 */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { Crc32 } from '@aws-crypto/crc32';
import { Crc32c } from '@aws-crypto/crc32c';
import type { ChecksumAlgorithm } from '../store/bucketRecords.js';

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];
/** Decoded sizes of each checksum. */
export const CHECKSUM_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };

export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

/** An incremental checksum whose digest is the base64 form S3 uses. */
export interface Checksummer {
  update(chunk: Buffer): void;
  digestBase64(): string;
}

export function createChecksummer(algorithm: ChecksumAlgorithm): Checksummer {
  if (algorithm === 'SHA256' || algorithm === 'SHA1') {
    const hash = createHash(algorithm === 'SHA256' ? 'sha256' : 'sha1');
    return { update: (chunk) => hash.update(chunk), digestBase64: () => hash.digest('base64') };
  }
  if (algorithm === 'CRC64NVME') return new Crc64Nvme();
  if (algorithm === 'CRC32' && typeof zlib.crc32 === 'function') {
    // zlib's CRC32 (Node >= 20.15) is native and ~100x faster than the JavaScript table of @aws-crypto/crc32.
    let value = 0;
    return {
      update: (chunk) => {
        value = zlib.crc32(chunk, value);
      },
      digestBase64: () => uint32Base64(value),
    };
  }
  const crc = algorithm === 'CRC32' ? new Crc32() : new Crc32c();
  return { update: (chunk) => crc.update(chunk), digestBase64: () => uint32Base64(crc.digest()) };
}

/** The checksum of one buffer. */
export function checksumOf(algorithm: ChecksumAlgorithm, data: Buffer): string {
  const checksummer = createChecksummer(algorithm);
  checksummer.update(data);
  return checksummer.digestBase64();
}

/** A composite checksum: of the parts' decoded checksums, with "-<count>". */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: string[]): string {
  return `${checksumOf(algorithm, Buffer.concat(partChecksums.map((value) => Buffer.from(value, 'base64'))))}-${partChecksums.length}`;
}

/** Whether a stored checksum value is composite ("…-<parts>") or of the full object. */
export function checksumTypeOf(value: string): ChecksumType {
  return /-\d+$/.test(value) ? 'COMPOSITE' : 'FULL_OBJECT';
}

function uint32Base64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString('base64');
}

/*
 * CRC-64/NVME (poly 0xad93d23594c93659 reflected, init and xorout all ones), table-driven on two 32-bit
 * halves: a checksum, not a cryptographic primitive, and node:zlib has none.
 */
const POLY_HI = 0x9a6c9329;
const POLY_LO = 0xac4bc9b5;
const TABLE_HI = new Uint32Array(256);
const TABLE_LO = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let hi = 0;
  let lo = i;
  for (let bit = 0; bit < 8; bit++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi >>>= 1;
    if (carry) {
      hi = (hi ^ POLY_HI) >>> 0;
      lo = (lo ^ POLY_LO) >>> 0;
    }
  }
  TABLE_HI[i] = hi;
  TABLE_LO[i] = lo;
}

class Crc64Nvme implements Checksummer {
  private hi = 0xffffffff;
  private lo = 0xffffffff;

  update(chunk: Buffer): void {
    let { hi, lo } = this;
    for (let i = 0; i < chunk.length; i++) {
      const index = (lo ^ chunk[i]) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ TABLE_LO[index]) >>> 0;
      hi = ((hi >>> 8) ^ TABLE_HI[index]) >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
  }

  digestBase64(): string {
    const bytes = Buffer.alloc(8);
    bytes.writeUInt32BE((this.hi ^ 0xffffffff) >>> 0, 0);
    bytes.writeUInt32BE((this.lo ^ 0xffffffff) >>> 0, 4);
    return bytes.toString('base64');
  }
}
