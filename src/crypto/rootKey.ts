import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The installation's root key: it seals the embedded KMS's key material and the access-key
 * secrets in the metadata store. Each sealed value names its purpose (bound as associated data),
 * so one sealed value can never be passed off as another.
 */
export class RootKey {
  private constructor(private readonly key: Buffer) {}

  static fromBytes(bytes: Buffer): RootKey {
    if (bytes.length !== 32) throw new Error(`a root key is 32 bytes, not ${bytes.length}`);
    return new RootKey(Buffer.from(bytes));
  }

  static generate(): RootKey {
    return new RootKey(randomBytes(32));
  }

  /** The key as base64, for writing the key file. */
  export(): string {
    return this.key.toString('base64');
  }

  seal(plaintext: Buffer, purpose: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(associatedData(purpose));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.of(FORMAT), iv, body, cipher.getAuthTag()]);
  }

  unseal(sealed: Buffer, purpose: string): Buffer {
    if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== FORMAT) {
      throw new Error(`value sealed for ${purpose} is malformed`);
    }
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(sealed.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(associatedData(purpose));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new Error(`value sealed for ${purpose} cannot be opened with this root key`);
    }
  }
}

function associatedData(purpose: string): Buffer {
  return Buffer.from(`vigil root key v${FORMAT}\0${purpose}`, 'utf8');
}
