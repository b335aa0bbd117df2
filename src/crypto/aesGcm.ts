import { createCipheriv, createDecipheriv } from 'node:crypto';

/** The only IV and tag sizes sealed objects and KMS ciphertexts use; the generic functions below accept others for test vectors. */
export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;

export interface GcmSealed {
  ciphertext: Buffer;
  tag: Buffer;
}

/** AES-256-GCM encryption of one message (one frame). `tagLength` other than 16 is for test vectors only. */
export function gcmEncrypt(key: Buffer, iv: Buffer, plaintext: Buffer, aad: Buffer, tagLength = GCM_TAG_BYTES): GcmSealed {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: tagLength });
  cipher.setAAD(aad);
  const ciphertext = cipher.update(plaintext);
  cipher.final(); // GCM is a stream mode: final() yields no bytes, it computes the tag
  return { ciphertext, tag: cipher.getAuthTag() };
}

/**
 * AES-256-GCM decryption of one message. Returns null when the tag does not verify, and in that case
 * nothing decrypted is returned: OpenSSL produces the plaintext before the tag check, so it is dropped here.
 * The tag length is the length of `tag` (stated explicitly, so a truncated tag is never accepted by accident).
 */
export function gcmDecrypt(key: Buffer, iv: Buffer, ciphertext: Buffer, aad: Buffer, tag: Buffer): Buffer | null {
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: tag.length });
  decipher.setAuthTag(tag);
  decipher.setAAD(aad);
  const plaintext = decipher.update(ciphertext);
  try {
    decipher.final();
  } catch {
    plaintext.fill(0);
    return null;
  }
  return plaintext;
}
