import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fsyncPath } from '../util/atomicFile.js';
import { assertBlobKey, BlobNotFoundError, type BlobReader, type BlobStore } from './blobStore.js';

/**
 * Objects as files under `<root>/objects`. A write goes to `<root>/tmp`, is fsynced, renamed into
 * place and the directory fsynced, so a crash leaves the old object or the new one, never a torn
 * file. Leftover temp files of a crashed write are removed when the store opens.
 */
export class FsBlobStore implements BlobStore {
  private constructor(private readonly root: string) {}

  static async open(root: string): Promise<FsBlobStore> {
    await mkdir(join(root, 'objects'), { recursive: true, mode: 0o700 });
    await rm(join(root, 'tmp'), { recursive: true, force: true });
    await mkdir(join(root, 'tmp'), { mode: 0o700 });
    return new FsBlobStore(root);
  }

  async put(key: string, body: Readable | Buffer): Promise<void> {
    const target = this.pathOf(key);
    const temp = join(this.root, 'tmp', randomUUID());
    try {
      await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, createWriteStream(temp, { mode: 0o600, flags: 'wx' }));
      await fsyncPath(temp);
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      await rename(temp, target);
      await fsyncPath(dirname(target));
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new BlobNotFoundError(key) : error;
    });
    return handle.createReadStream();
  }

  /** One open file: a rename that replaces the object later leaves this reader on the file it opened. */
  async openReader(key: string): Promise<BlobReader> {
    const handle = await open(this.pathOf(key), 'r').catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new BlobNotFoundError(key) : error;
    });
    return {
      read: async (first, last) => handle.createReadStream({ start: first, end: last, autoClose: false }),
      close: () => handle.close(),
    };
  }

  async exists(key: string): Promise<boolean> {
    return stat(this.pathOf(key)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await rm(path, { force: true });
    await fsyncPath(dirname(path)).catch(() => undefined);
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<string> {
    // Only the folder that holds the prefix's complete segments can contain matches.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    if (folder) assertBlobKey(folder);
    yield* this.walk(folder ? `${folder}/` : '', prefix, startAfter);
  }

  /**
   * Keys under one folder in lexicographic order, read one directory at a time as they are consumed (a
   * listing that stops early reads little). A sub-folder's keys all start with "<name>/", so sorting the
   * entries by that (not by bare name) gives the keys' order; a sub-folder whose keys all sort before
   * startAfter is not read at all.
   */
  private async *walk(folderKey: string, prefix: string, startAfter: string | undefined): AsyncIterable<string> {
    const entries = await readdir(join(this.root, 'objects', ...folderKey.split('/').filter(Boolean)), { withFileTypes: true }).catch(() => []);
    const named = entries.map((e) => ({ key: `${folderKey}${e.name}${e.isDirectory() ? '/' : ''}`, folder: e.isDirectory() }));
    named.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const { key, folder } of named) {
      if (folder) {
        const matches = key.startsWith(prefix) || prefix.startsWith(key);
        const passed = startAfter !== undefined && key < startAfter && !startAfter.startsWith(key);
        if (matches && !passed) yield* this.walk(key, prefix, startAfter);
      } else if (key.startsWith(prefix) && (startAfter === undefined || key > startAfter)) {
        yield key;
      }
    }
  }

  private pathOf(key: string): string {
    assertBlobKey(key);
    return join(this.root, 'objects', ...key.split('/'));
  }
}
