import type { EncryptionContext } from './encryptionContext.js';

export interface GeneratedDataKey {
  /** ARN of the KMS key that wrapped the data key. */
  keyId: string;
  /** The 32-byte data key. Callers zero it when done. */
  plaintext: Buffer;
  /** The wrapped data key; it names its KMS key and key version itself. */
  ciphertextBlob: Buffer;
}

export interface DecryptedDataKey {
  keyId: string;
  plaintext: Buffer;
}

/**
 * A key service for envelope encryption. Implemented by the embedded KMS (keys sealed under a
 * root key in the metadata store) and, later, by a client of any AWS-KMS-protocol endpoint.
 * Failures throw KmsError (see ./kmsErrors.ts) with AWS KMS error names.
 */
export interface Kms {
  /** ARN of the service-owned key used when a caller names no key. */
  readonly defaultKeyId: string;
  /** A fresh 256-bit data key wrapped under keyId (the service key when undefined). */
  generateDataKey(keyId: string | undefined, context: EncryptionContext): Promise<GeneratedDataKey>;
  /** Unwraps a data key; the exact same context must be given as when it was generated. */
  decryptDataKey(ciphertextBlob: Buffer, context: EncryptionContext): Promise<DecryptedDataKey>;
}
