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

export interface WrappedDataKey {
  /** ARN of the KMS key that wrapped the data key. */
  keyId: string;
  ciphertextBlob: Buffer;
}

/** What Vigil needs to know of a key before using it: its ARN and whether it may be used now. */
export interface KmsKeyState {
  arn: string;
  /** AWS KMS key states: 'Enabled', 'Disabled', 'PendingDeletion', ... */
  state: string;
}

/**
 * A key service for envelope encryption. Implemented by the embedded KMS (keys sealed under a
 * root key in the metadata store) and by a client of any AWS-KMS-protocol endpoint.
 * Failures throw KmsError (see ./kmsErrors.ts) with AWS KMS error names.
 */
export interface Kms {
  /** ARN of the service-owned key used when a caller names no key. */
  readonly defaultKeyId: string;
  /** A fresh 256-bit data key wrapped under keyId (the service key when undefined). */
  generateDataKey(keyId: string | undefined, context: EncryptionContext): Promise<GeneratedDataKey>;
  /** Unwraps a data key; the exact same context must be given as when it was generated. */
  decryptDataKey(ciphertextBlob: Buffer, context: EncryptionContext): Promise<DecryptedDataKey>;
  /**
   * Wraps a data key again under the newest version of the key that wrapped it (KMS ReEncrypt, same
   * key and context), so a rotated key's old versions can be retired; the data key never leaves the KMS.
   * `keyId`, the ARN of the wrapping key when the caller knows it (a sealed header names it): an AWS KMS
   * ciphertext names its key only inside the KMS, so an external KMS needs it to call ReEncrypt directly.
   */
  reEncryptDataKey(ciphertextBlob: Buffer, context: EncryptionContext, keyId?: string): Promise<WrappedDataKey>;
  /** The key's ARN and state; NotFoundException when keyId (id, ARN, alias) names no key. */
  describeKey(keyId: string): Promise<KmsKeyState>;
}
