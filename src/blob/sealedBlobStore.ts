import { Readable } from 'node:stream';
import type { EncryptionContext } from '../crypto/encryptionContext.js';
import type { Kms } from '../crypto/kms.js';
import { createOpenStream, createSealStream, readSealedHeader } from '../crypto/sealedObject.js';
import { MAX_HEADER_BYTES } from '../crypto/sealedObjectHeader.js';
import type { BlobStore } from './blobStore.js';

/** Which key protects an object and what it is; the context must be given again to read it. */
export interface Protection {
  /** KMS key id or ARN; the service-owned default key when absent. */
  keyId?: string;
  context: EncryptionContext;
}

/** Context entry naming the object's own key, so objects swapped inside the engine fail to open. */
const BLOB_KEY_CONTEXT = 'vigil:blob-key';

/**
 * The only way the service reads and writes objects: sealed (sealedObject.ts) before the engine
 * sees a byte, opened after. The engine, local or remote, never holds plaintext.
 */
export class SealedBlobStore {
  constructor(
    private readonly engine: BlobStore,
    private readonly kms: Kms,
  ) {}

  async put(key: string, body: Readable | Buffer, protection: Protection): Promise<void> {
    const sealer = await createSealStream(this.kms, { keyId: protection.keyId, context: contextFor(key, protection.context) });
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    source.on('error', (error) => sealer.destroy(error));
    await this.engine.put(key, source.pipe(sealer));
  }

  /**
   * A stream of the plaintext. It fails if the object was changed, truncated or moved, or the
   * context differs; bytes already received are then unusable, so consumers act only on a clean end.
   */
  async get(key: string, context: EncryptionContext): Promise<Readable> {
    const sealed = await this.engine.get(key);
    const opener = createOpenStream(this.kms, contextFor(key, context));
    sealed.on('error', (error) => opener.destroy(error));
    // A reader that stops early (a range, a failed check) releases the file too.
    opener.on('close', () => sealed.destroy());
    return sealed.pipe(opener);
  }

  async getBuffer(key: string, context: EncryptionContext): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.get(key, context)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** The ARN of the KMS key that protects an object, read from its header. */
  async keyIdOf(key: string): Promise<string> {
    const stream = await this.engine.get(key);
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= MAX_HEADER_BYTES) break;
    }
    stream.destroy();
    return readSealedHeader(Buffer.concat(chunks)).keyId;
  }

  exists(key: string): Promise<boolean> {
    return this.engine.exists(key);
  }

  delete(key: string): Promise<void> {
    return this.engine.delete(key);
  }

  list(prefix: string): AsyncIterable<string> {
    return this.engine.list(prefix);
  }
}

function contextFor(key: string, context: EncryptionContext): EncryptionContext {
  if (BLOB_KEY_CONTEXT in context) throw new Error(`${BLOB_KEY_CONTEXT} is set by the blob store itself`);
  return { ...context, [BLOB_KEY_CONTEXT]: key };
}
