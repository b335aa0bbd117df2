import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { RootKey } from './rootKey.js';

/*
 * Sealed layout: format (1) = 1 | IV (12) | ciphertext | GCM tag (16);
 * associated data "vigil root key v1\0" + purpose.
 */
const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A root key whose 32 bytes Vigil holds in memory (from the key file or VIGIL_ROOT_KEY); AES-256-GCM by node:crypto. */
export class InMemoryRootKey implements RootKey {
  readonly format = FORMAT;
  readonly description: string;

  private constructor(
    private readonly key: Buffer,
    description: string,
  ) {
    this.description = description;
  }

  static fromBytes(bytes: Buffer, description = 'root key'): InMemoryRootKey {
    if (bytes.length !== 32) throw new Error(`a root key is 32 bytes, not ${bytes.length}`);
    return new InMemoryRootKey(Buffer.from(bytes), description);
  }

  static generate(description = 'root key'): InMemoryRootKey {
    return new InMemoryRootKey(randomBytes(32), description);
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
      throw new Error(`value sealed for ${purpose} is malformed or was not sealed by a root key held in memory`);
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

  close(): void {
    this.key.fill(0);
  }
}

function associatedData(purpose: string): Buffer {
  return Buffer.from(`vigil root key v${FORMAT}\0${purpose}`, 'utf8');
}
