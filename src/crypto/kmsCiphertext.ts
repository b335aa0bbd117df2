/*
 * The embedded KMS's ciphertext blob:
 *   format (1) | key id as UUID bytes (16) | key version (4, BE) | IV (12) | ciphertext | tag (16)
 * AES-256-GCM (aesGcm.ts) under the key version's material. The first 21 bytes and the canonical encryption
 * context are the associated data, so a blob names its own key and version (Decrypt needs no key id) and opens
 * only under its own context.
 */
import { randomBytes } from 'node:crypto';
import { GCM_IV_BYTES, GCM_TAG_BYTES, gcmDecrypt, gcmEncrypt } from './aesGcm.js';
import { canonicalContext, type EncryptionContext } from './encryptionContext.js';
import { KmsError } from './kmsErrors.js';

const BLOB_FORMAT = 1;
const PREFIX_BYTES = 1 + 16 + 4;

/** The key version a blob was made under. */
export interface BlobKey {
  keyId: string;
  version: number;
}

/** Encrypts `plaintext` under one key version's material, bound to the encryption context. */
export function sealKmsBlob(key: BlobKey, material: Buffer, plaintext: Buffer, context: EncryptionContext): Buffer {
  const prefix = Buffer.alloc(PREFIX_BYTES);
  prefix[0] = BLOB_FORMAT;
  Buffer.from(key.keyId.replaceAll('-', ''), 'hex').copy(prefix, 1);
  prefix.writeUInt32BE(key.version, 17);
  const iv = randomBytes(GCM_IV_BYTES);
  const { ciphertext, tag } = gcmEncrypt(material, iv, plaintext, Buffer.concat([prefix, canonicalContext(context)]));
  return Buffer.concat([prefix, iv, ciphertext, tag]);
}

/**
 * The plaintext of a blob (whose key version blobKey read) under that version's material; InvalidCiphertextException,
 * the same for a changed blob and a wrong context as AWS KMS gives, when it does not open.
 */
export function openKmsBlob(ciphertextBlob: Buffer, material: Buffer, context: EncryptionContext): Buffer {
  const plaintext = gcmDecrypt(
    material,
    ciphertextBlob.subarray(PREFIX_BYTES, PREFIX_BYTES + GCM_IV_BYTES),
    ciphertextBlob.subarray(PREFIX_BYTES + GCM_IV_BYTES, ciphertextBlob.length - GCM_TAG_BYTES),
    Buffer.concat([ciphertextBlob.subarray(0, PREFIX_BYTES), canonicalContext(context)]),
    ciphertextBlob.subarray(ciphertextBlob.length - GCM_TAG_BYTES),
  );
  if (!plaintext) throw new KmsError('InvalidCiphertextException', 'The ciphertext or its encryption context is invalid.');
  return plaintext;
}

/** The key id and version a ciphertext names in its prefix. */
export function blobKey(ciphertextBlob: Buffer): BlobKey {
  if (ciphertextBlob.length < PREFIX_BYTES + GCM_IV_BYTES + GCM_TAG_BYTES + 1 || ciphertextBlob[0] !== BLOB_FORMAT) {
    throw new KmsError('InvalidCiphertextException', 'The ciphertext is not a Vigil KMS ciphertext.');
  }
  const hex = ciphertextBlob.subarray(1, 17).toString('hex');
  const keyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { keyId, version: ciphertextBlob.readUInt32BE(17) };
}
