/*
 * The cipher of a sealed object's frames (sealedObject.ts has the format): the per-object keys derived from the
 * data key, and AES-256-GCM of one frame with the IV and associated data its position gives.
 */
import { hkdfSync } from 'node:crypto';
import { GCM_IV_BYTES, type GcmSealed, gcmDecrypt, gcmEncrypt } from './aesGcm.js';
import { contextDigest, type EncryptionContext } from './encryptionContext.js';
import { COMMITMENT_BYTES, NONCE_PREFIX_BYTES } from './sealedObjectHeader.js';

const CONTENT_KEY_INFO = Buffer.from('vigil sealed object v1 content key', 'utf8');
const COMMITMENT_INFO = Buffer.from('vigil sealed object v1 commitment', 'utf8');
// Other labels with a customer key, so that no key derived with one can ever equal one derived without.
const CUSTOMER_CONTENT_KEY_INFO = Buffer.from('vigil sealed object v1 content key, customer-keyed', 'utf8');
const CUSTOMER_COMMITMENT_INFO = Buffer.from('vigil sealed object v1 commitment, customer-keyed', 'utf8');
export const CUSTOMER_KEY_BYTES = 32;

/**
 * HKDF with the message id as salt: a fresh content key per object even if a data key were reused.
 * With a customer key (SSE-C) the input key material is data key ‖ customer key: the frames then open only
 * with both, the KMS's data key and the key that only the client holds. The commitment covers both, so a
 * wrong customer key is found before any frame is decrypted. The data key is needed for nothing else, so
 * it is zeroed here whatever happens (the customer key is the caller's to zero).
 */
export function deriveKeysThenZero(dataKey: Buffer, messageId: Buffer, customerKey?: Buffer): { contentKey: Buffer; commitment: Buffer } {
  let material: Buffer = dataKey;
  try {
    if (customerKey !== undefined) {
      if (customerKey.length !== CUSTOMER_KEY_BYTES) throw new RangeError(`a customer key has ${CUSTOMER_KEY_BYTES} bytes, not ${customerKey.length}`);
      material = Buffer.concat([dataKey, customerKey]);
    }
    const [contentInfo, commitmentInfo] = customerKey === undefined ? [CONTENT_KEY_INFO, COMMITMENT_INFO] : [CUSTOMER_CONTENT_KEY_INFO, CUSTOMER_COMMITMENT_INFO];
    return {
      contentKey: Buffer.from(hkdfSync('sha256', material, messageId, contentInfo, 32)),
      commitment: Buffer.from(hkdfSync('sha256', material, messageId, commitmentInfo, COMMITMENT_BYTES)),
    };
  } finally {
    dataKey.fill(0);
    if (material !== dataKey) material.fill(0);
  }
}

/** AES-256-GCM of one frame, with the IV and associated data derived from its position. */
export class FrameCipher {
  private readonly aadPrefix: Buffer;
  private destroyed = false;

  constructor(
    private readonly contentKey: Buffer,
    private readonly noncePrefix: Buffer,
    binding: Buffer,
    context: EncryptionContext,
  ) {
    this.aadPrefix = Buffer.concat([binding, contextDigest(context)]);
  }

  seal(index: number, final: boolean, plaintext: Buffer): GcmSealed {
    return gcmEncrypt(this.key(), this.iv(index), plaintext, this.aad(index, final));
  }

  open(index: number, final: boolean, ciphertext: Buffer, tag: Buffer): Buffer | null {
    return gcmDecrypt(this.key(), this.iv(index), ciphertext, this.aad(index, final), tag);
  }

  destroy(): void {
    this.contentKey.fill(0);
    this.destroyed = true;
  }

  /** Guards against ever encrypting under the zeroed key. */
  private key(): Buffer {
    if (this.destroyed) throw new Error('sealed object key used after it was destroyed');
    return this.contentKey;
  }

  private iv(index: number): Buffer {
    const iv = Buffer.alloc(GCM_IV_BYTES);
    this.noncePrefix.copy(iv, 0);
    writeUInt64BE(iv, index, NONCE_PREFIX_BYTES);
    return iv;
  }

  private aad(index: number, final: boolean): Buffer {
    const aad = Buffer.alloc(this.aadPrefix.length + 9);
    this.aadPrefix.copy(aad, 0);
    writeUInt64BE(aad, index, this.aadPrefix.length);
    aad[aad.length - 1] = final ? 1 : 0;
    return aad;
  }
}

function writeUInt64BE(target: Buffer, value: number, offset: number): void {
  target.writeUInt32BE(Math.floor(value / 2 ** 32), offset);
  target.writeUInt32BE(value >>> 0, offset + 4);
}
