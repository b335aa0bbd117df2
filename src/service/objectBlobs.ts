import { createHash, randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { Protection, SealedBlobStore } from '../blob/sealedBlobStore.js';
import type { EncryptionContext } from '../crypto/encryptionContext.js';

/**
 * Blob keys of bucket data: service-generated ids (never the user's key name), fanned out over
 * 256 folders: buckets/objects/<2 hex>/<uuid> and buckets/parts/<2 hex>/<uuid>. A write always goes
 * to a fresh key, so an overwrite never touches the blob that readers may still be streaming.
 */
export function newBlobKey(kind: 'objects' | 'parts'): string {
  const id = randomUUID();
  return `buckets/${kind}/${id.slice(0, 2)}/${id}`;
}

/** The encryption context of an object and of its parts, as S3 SSE-KMS binds it. */
export function objectContext(bucket: string, key: string): EncryptionContext {
  return { 'aws:s3:arn': `arn:aws:s3:::${bucket}/${key}` };
}

/**
 * Streams body into a new sealed blob, counting bytes and hashing MD5 on the way. Nothing is left
 * behind if the body fails (an integrity check of the caller's stream, a client abort, a KMS error).
 */
export async function writeSealed(blobs: SealedBlobStore, blobKey: string, body: Readable, protection: Protection & { keyId: string }): Promise<{ size: number; md5: Buffer }> {
  const md5 = createHash('md5');
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  body.on('error', (error) => counter.destroy(error));
  try {
    await blobs.put(blobKey, body.pipe(counter), protection);
  } catch (error) {
    await blobs.delete(blobKey).catch(() => undefined);
    throw error;
  }
  return { size, md5: md5.digest() };
}

/** Several sealed blobs read one after the other as one plaintext stream (all sealed with customerKey, if given). */
export function concatenatedBlobs(blobs: SealedBlobStore, blobKeys: string[], context: EncryptionContext, customerKey?: Buffer): Readable {
  return Readable.from(
    (async function* () {
      for (const blobKey of blobKeys) {
        for await (const chunk of await blobs.get(blobKey, context, customerKey)) yield chunk as Buffer;
      }
    })(),
    { objectMode: false },
  );
}

/**
 * Waits for a stream's first chunk (or its end) and returns a stream of all its bytes: failures at
 * the start (a disabled KMS key, a wrong context, a damaged header) are thrown here, before a caller
 * has answered anything. Failures later in the stream still fail the returned stream.
 */
export async function startedStream(source: Readable): Promise<Readable> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await iterator.next();
  return Readable.from(
    (async function* () {
      try {
        if (first.done) return;
        yield first.value;
        for (;;) {
          const next = await iterator.next();
          if (next.done) return;
          yield next.value;
        }
      } finally {
        await iterator.return?.();
      }
    })(),
    { objectMode: false },
  );
}
