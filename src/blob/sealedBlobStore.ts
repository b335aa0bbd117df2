import { Readable } from 'node:stream';
import type { EncryptionContext } from '../crypto/encryptionContext.js';
import type { Kms } from '../crypto/kms.js';
import { createOpenStream, createSealStream, rewrapSealedHeader, SealedObjectError } from '../crypto/sealedObject.js';
import { parseSealedHeader, type SealedHeader } from '../crypto/sealedObjectHeader.js';
import { BlobNotFoundError, type BlobStore } from './blobStore.js';
import { KeyedLock } from './keyedLock.js';

/** Which key protects an object and what it is; the context must be given again to read it. */
export interface Protection {
  /** KMS key id or ARN; the service-owned default key when absent. */
  keyId?: string;
  context: EncryptionContext;
}

/** What rewrapping one object did. */
export type RewrapOutcome = 'rewrapped' | 'other-key' | 'format-1' | 'gone';

/** Context entry naming the object's own key, so objects swapped inside the engine fail to open. */
const BLOB_KEY_CONTEXT = 'vigil:blob-key';

/**
 * The only way the service reads and writes objects: sealed (sealedObject.ts) before the engine
 * sees a byte, opened after. The engine, local or remote, never holds plaintext.
 */
export class SealedBlobStore {
  /** Writers of one object (put, delete, rewrap) take turns, so a rewrap never brings back a deleted or replaced object. */
  private readonly writers = new KeyedLock();

  constructor(
    private readonly engine: BlobStore,
    private readonly kms: Kms,
  ) {}

  async put(key: string, body: Readable | Buffer, protection: Protection): Promise<void> {
    const sealer = await createSealStream(this.kms, { keyId: protection.keyId, context: contextFor(key, protection.context) });
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    source.on('error', (error) => sealer.destroy(error));
    await this.writers.run(key, () => this.engine.put(key, source.pipe(sealer)));
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
    const { header, stream } = await this.readHeader(key);
    stream.destroy();
    return header.keyId;
  }

  /**
   * Wraps the object's data key again under the newest version of its KMS key when that key is keyArn.
   * Only the header is replaced: the frames are copied as they are, never decrypted.
   */
  async rewrap(key: string, keyArn: string): Promise<RewrapOutcome> {
    return this.writers.run(key, async () => {
      let read: { header: SealedHeader; rest: Buffer; stream: Readable };
      try {
        read = await this.readHeader(key);
      } catch (error) {
        if (error instanceof BlobNotFoundError) return 'gone';
        throw error;
      }
      const { header, rest, stream } = read;
      if (header.keyId !== keyArn || header.version === 1) {
        stream.destroy();
        return header.keyId !== keyArn ? 'other-key' : 'format-1';
      }
      try {
        const newHeader = await rewrapSealedHeader(this.kms, header);
        await this.engine.put(key, Readable.from(withHeader(newHeader, rest, stream)));
        return 'rewrapped';
      } finally {
        stream.destroy();
      }
    });
  }

  /** Reads an object's header; returns it with the bytes read past it and the stream positioned after them. */
  private async readHeader(key: string): Promise<{ header: SealedHeader; rest: Buffer; stream: Readable }> {
    const stream = await this.engine.get(key);
    let bytes = Buffer.alloc(0);
    for await (const chunk of stream.iterator({ destroyOnReturn: false })) {
      bytes = Buffer.concat([bytes, chunk as Buffer]);
      const parsed = parseSealedHeader(bytes);
      if ('header' in parsed) return { header: parsed.header, rest: bytes.subarray(parsed.length), stream };
    }
    stream.destroy();
    throw new SealedObjectError(`stored object ${key} is truncated (incomplete header)`);
  }

  exists(key: string): Promise<boolean> {
    return this.engine.exists(key);
  }

  delete(key: string): Promise<void> {
    return this.writers.run(key, () => this.engine.delete(key));
  }

  list(prefix: string, startAfter?: string): AsyncIterable<string> {
    return this.engine.list(prefix, startAfter);
  }
}

async function* withHeader(header: Buffer, rest: Buffer, stream: Readable): AsyncGenerator<Buffer> {
  yield header;
  if (rest.length > 0) yield rest;
  for await (const chunk of stream) yield chunk as Buffer;
}

function contextFor(key: string, context: EncryptionContext): EncryptionContext {
  if (BLOB_KEY_CONTEXT in context) throw new Error(`${BLOB_KEY_CONTEXT} is set by the blob store itself`);
  return { ...context, [BLOB_KEY_CONTEXT]: key };
}
