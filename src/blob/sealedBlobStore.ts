import { Readable } from 'node:stream';
import type { EncryptionContext } from '../crypto/encryptionContext.js';
import type { Kms } from '../crypto/kms.js';
import { createOpenStream, createSealStream, rewrapSealedHeader, SealedObjectError, sealedRangeOf } from '../crypto/sealedObject.js';
import { parseSealedHeader, type SealedHeader } from '../crypto/sealedObjectHeader.js';
import { BlobChangedError, BlobNotFoundError, type BlobReader, type BlobStore } from './blobStore.js';
import { KeyedLock } from './keyedLock.js';

/** Which key protects an object and what it is; the context must be given again to read it. */
export interface Protection {
  /** KMS key id or ARN; the service-owned default key when absent. */
  keyId?: string;
  context: EncryptionContext;
  /** SSE-C: the client's 32-byte key, which takes part in the object's content key and is stored nowhere. */
  customerKey?: Buffer;
}

/** What rewrapping one object did. */
export type RewrapOutcome = 'rewrapped' | 'other-key' | 'format-1' | 'gone';

/** Context entry naming the object's own key, so objects swapped inside the engine fail to open. */
const BLOB_KEY_CONTEXT = 'vigil:blob-key';
/**
 * Context entry of an object sealed with a customer key: the KMS's audit shows it, and opening the object
 * without the key fails plainly (context mismatch) rather than at the key commitment.
 */
const CUSTOMER_KEY_CONTEXT = 'vigil:customer-key';

/** The first read of a header: a usual one (one key ARN, one wrapped key, a short context) is well under this. */
const HEADER_READ_BYTES = 4096;

/** Tries of a ranged read whose object was replaced (rewrapped) between its reads. */
const RANGED_READ_TRIES = 3;

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
    const sealer = await createSealStream(this.kms, { keyId: protection.keyId, context: contextFor(key, protection.context, protection.customerKey), customerKey: protection.customerKey });
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    source.on('error', (error) => sealer.destroy(error));
    await this.writers.run(key, () => this.engine.put(key, source.pipe(sealer)));
  }

  /**
   * A stream of the plaintext. It fails if the object was changed, truncated or moved, or the
   * context differs; bytes already received are then unusable, so consumers act only on a clean end.
   * An object sealed with a customer key needs it (customerKey), one sealed without must not be given one.
   */
  async get(key: string, context: EncryptionContext, customerKey?: Buffer): Promise<Readable> {
    const sealed = await this.engine.get(key);
    const opener = createOpenStream(this.kms, contextFor(key, context, customerKey), undefined, customerKey);
    sealed.on('error', (error) => opener.destroy(error));
    // A reader that stops early (a range, a failed check) releases the file too.
    opener.on('close', () => sealed.destroy());
    return sealed.pipe(opener);
  }

  /**
   * Plaintext bytes start..end (inclusive) of an object of plaintextSize bytes (its size as recorded
   * when it was written). Only the header and the frames holding those bytes are read from the engine
   * (two ranged GETs on an S3 store), and the frames are checked as get() checks them, their position
   * included: the stream fails if the object does not have that size. Consumers act only on a clean end.
   */
  async getRange(key: string, context: EncryptionContext, range: { start: number; end: number }, plaintextSize: number, customerKey?: Buffer): Promise<Readable> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.openRange(key, context, range, plaintextSize, customerKey);
      } catch (error) {
        // A rewrap replaced the header between the two reads: read both again.
        if (error instanceof BlobChangedError && attempt < RANGED_READ_TRIES) continue;
        throw error;
      }
    }
  }

  private async openRange(key: string, context: EncryptionContext, range: { start: number; end: number }, plaintextSize: number, customerKey?: Buffer): Promise<Readable> {
    const reader = await this.engine.openReader(key);
    let frames: Readable;
    let plan: ReturnType<typeof sealedRangeOf>;
    let headerBytes: Buffer;
    try {
      const read = await readHeaderThrough(reader, key);
      headerBytes = read.bytes;
      plan = sealedRangeOf(read.bytes.length, read.header.frameSize, plaintextSize, range.start, range.end);
      frames = await reader.read(plan.sealedFirst, plan.sealedLast);
    } catch (error) {
      await reader.close();
      throw error;
    }
    const opener = createOpenStream(this.kms, contextFor(key, context, customerKey), plan.frames, customerKey);
    frames.on('error', (error) => opener.destroy(error));
    opener.write(headerBytes);
    frames.pipe(opener);
    const length = range.end - range.start + 1;
    return Readable.from(
      (async function* () {
        try {
          let skip = plan.skip;
          let remaining = length;
          for await (const piece of opener) {
            let chunk = piece as Buffer;
            if (skip >= chunk.length) {
              skip -= chunk.length;
              continue;
            }
            chunk = chunk.subarray(skip, skip + remaining);
            skip = 0;
            remaining -= chunk.length;
            yield chunk;
          }
          if (remaining > 0) throw new SealedObjectError(`stored object ${key} ends before byte ${range.end}; it does not have the size recorded for it`);
        } finally {
          opener.destroy();
          frames.destroy();
          await reader.close();
        }
      })(),
      { objectMode: false },
    );
  }

  async getBuffer(key: string, context: EncryptionContext): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.get(key, context)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** The ARN of the KMS key that protects an object, read from its header (the frames are not read). */
  async keyIdOf(key: string): Promise<string> {
    const reader = await this.engine.openReader(key);
    try {
      return (await readHeaderThrough(reader, key)).header.keyId;
    } finally {
      await reader.close();
    }
  }

  /**
   * Wraps the object's data key again under the newest version of its KMS key when that key is keyArn.
   * Only the header is replaced: the frames are copied as they are, never decrypted.
   */
  async rewrap(key: string, keyArn: string): Promise<RewrapOutcome> {
    return this.writers.run(key, async () => {
      let reader: BlobReader;
      try {
        reader = await this.engine.openReader(key);
      } catch (error) {
        if (error instanceof BlobNotFoundError) return 'gone';
        throw error;
      }
      try {
        let read: { header: SealedHeader; bytes: Buffer; rest: Buffer };
        try {
          // The header alone decides: an object under another key costs one small ranged read.
          read = await readHeaderThrough(reader, key);
        } catch (error) {
          if (error instanceof BlobNotFoundError) return 'gone';
          throw error;
        }
        const { header, bytes, rest } = read;
        if (header.keyId !== keyArn) return 'other-key';
        if (header.version === 1) return 'format-1';
        const newHeader = await rewrapSealedHeader(this.kms, header);
        // The frames come from the version of the object whose header was rewrapped (one reader, one version).
        const frames = await reader.read(bytes.length + rest.length);
        try {
          await this.engine.put(key, Readable.from(withHeader(newHeader, rest, frames)));
        } finally {
          frames.destroy();
        }
        return 'rewrapped';
      } finally {
        await reader.close();
      }
    });
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

/**
 * An object's header, read in ranges (4 KiB first, then whatever the header says it needs): its bytes,
 * and the bytes read past it (the next read starts at bytes.length + rest.length).
 */
async function readHeaderThrough(reader: BlobReader, key: string): Promise<{ header: SealedHeader; bytes: Buffer; rest: Buffer }> {
  let read = Buffer.alloc(0);
  let wanted = HEADER_READ_BYTES;
  for (;;) {
    const chunks: Buffer[] = [read];
    for await (const chunk of await reader.read(read.length, wanted - 1)) chunks.push(chunk as Buffer);
    read = Buffer.concat(chunks);
    const parsed = parseSealedHeader(read);
    if ('header' in parsed) return { header: parsed.header, bytes: read.subarray(0, parsed.length), rest: read.subarray(parsed.length) };
    if (read.length < wanted) throw new SealedObjectError(`stored object ${key} is truncated (incomplete header)`);
    wanted = parsed.needed;
  }
}

async function* withHeader(header: Buffer, rest: Buffer, stream: Readable): AsyncGenerator<Buffer> {
  yield header;
  if (rest.length > 0) yield rest;
  for await (const chunk of stream) yield chunk as Buffer;
}

function contextFor(key: string, context: EncryptionContext, customerKey: Buffer | undefined): EncryptionContext {
  for (const own of [BLOB_KEY_CONTEXT, CUSTOMER_KEY_CONTEXT]) if (own in context) throw new Error(`${own} is set by the blob store itself`);
  return customerKey === undefined ? { ...context, [BLOB_KEY_CONTEXT]: key } : { ...context, [BLOB_KEY_CONTEXT]: key, [CUSTOMER_KEY_CONTEXT]: 'AES256' };
}
