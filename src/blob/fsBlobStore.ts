import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fsyncPath } from '../util/atomicFile.js';
import { assertBlobKey, BlobNotFoundError, type BlobStore } from './blobStore.js';

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

  async *list(prefix: string): AsyncIterable<string> {
    const objects = join(this.root, 'objects');
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else keys.push(relative(objects, path).split(sep).join('/'));
      }
    };
    // Only the folder that holds the prefix's complete segments can contain matches.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    if (folder) assertBlobKey(folder);
    await walk(join(objects, ...folder.split('/').filter(Boolean)));
    for (const key of keys.filter((k) => k.startsWith(prefix)).sort()) yield key;
  }

  private pathOf(key: string): string {
    assertBlobKey(key);
    return join(this.root, 'objects', ...key.split('/'));
  }
}
