import type { Readable } from 'node:stream';

/**
 * An object storage engine. It only ever receives sealed bytes (see ./sealedBlobStore.ts), so
 * it is never trusted to encrypt. Keys are service-chosen paths such as
 * "projects/p1/datasets/train/images/0001".
 */
export interface BlobStore {
  /** Writes the whole object or nothing: readers see the old object or the new one, never a part. */
  put(key: string, body: Readable | Buffer): Promise<void>;
  /** Throws BlobNotFoundError when the object does not exist. */
  get(key: string): Promise<Readable>;
  exists(key: string): Promise<boolean>;
  /** Deleting an absent object is not an error. */
  delete(key: string): Promise<void>;
  /** Keys that start with prefix (and sort after startAfter, when given), in lexicographic order. */
  list(prefix: string, startAfter?: string): AsyncIterable<string>;
}

export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
  constructor(readonly key: string) {
    super(`no stored object ${key}`);
  }
}

const SEGMENT = /^[A-Za-z0-9._=+@,-]+$/;

/** Checks a key's shape: "/"-separated segments of safe characters, none "." or "..". */
export function assertBlobKey(key: string): void {
  const segments = key.split('/');
  if (key.length > 1024 || segments.some((s) => !SEGMENT.test(s) || s === '.' || s === '..')) {
    throw new Error(`invalid blob key ${JSON.stringify(key)}`);
  }
}
