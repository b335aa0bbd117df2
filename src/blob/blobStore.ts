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
  /** Byte ranges of one version of the object (see BlobReader); BlobNotFoundError, here or at the first read, when it does not exist. */
  openReader(key: string): Promise<BlobReader>;
  exists(key: string): Promise<boolean>;
  /** Deleting an absent object is not an error. */
  delete(key: string): Promise<void>;
  /** Keys that start with prefix (and sort after startAfter, when given), in lexicographic order. */
  list(prefix: string, startAfter?: string): AsyncIterable<string>;
}

/**
 * Reads byte ranges of one stored object. Every read sees the same version of it: if the object was
 * replaced after the first read, a later read throws BlobChangedError instead of mixing two versions.
 */
export interface BlobReader {
  /** Bytes first..last (inclusive; to the end when last is absent); fewer when the object ends sooner, none when it ends before first. */
  read(first: number, last?: number): Promise<Readable>;
  /** Releases what the reader holds (a file handle); reads already started finish. */
  close(): Promise<void>;
}

export class BlobChangedError extends Error {
  override readonly name = 'BlobChangedError';
  constructor(readonly key: string) {
    super(`stored object ${key} was replaced while it was being read`);
  }
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
