import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { BlobNotFoundError } from '../../src/blob/blobStore.js';
import { FsBlobStore } from '../../src/blob/fsBlobStore.js';
import { SealedBlobStore } from '../../src/blob/sealedBlobStore.js';
import type { EmbeddedKms } from '../../src/crypto/embeddedKms.js';
import { SealedObjectError } from '../../src/crypto/sealedObject.js';
import { makeTestKms } from '../helpers/kms.js';

const readAll = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

describe('blob stores', () => {
  let dir: string;
  let engine: FsBlobStore;
  let kms: EmbeddedKms;
  let closeKms: () => Promise<void>;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-blobs-'));
    engine = await FsBlobStore.open(dir);
    ({ kms, close: closeKms } = await makeTestKms());
  });
  after(async () => {
    await closeKms();
    await rm(dir, { recursive: true, force: true });
  });

  test('filesystem engine: put, overwrite, get, exists, list by prefix, delete', async () => {
    await engine.put('p/a/1', Buffer.from('one'));
    await engine.put('p/a/2', Readable.from([Buffer.from('tw'), Buffer.from('o')]));
    await engine.put('p/b/1', Buffer.from('three'));
    await engine.put('p/a/1', Buffer.from('ONE'));
    assert.equal((await readAll(await engine.get('p/a/1'))).toString(), 'ONE');
    assert.equal((await readAll(await engine.get('p/a/2'))).toString(), 'two');
    assert.equal(await engine.exists('p/a/2'), true);
    assert.equal(await engine.exists('p/a/3'), false);
    const list = async (prefix: string) => {
      const keys: string[] = [];
      for await (const key of engine.list(prefix)) keys.push(key);
      return keys;
    };
    assert.deepEqual(await list('p/a/'), ['p/a/1', 'p/a/2']);
    assert.deepEqual(await list('p/'), ['p/a/1', 'p/a/2', 'p/b/1']);
    assert.deepEqual(await list('q/'), []);
    await engine.delete('p/a/1');
    await engine.delete('p/a/1');
    await assert.rejects(engine.get('p/a/1'), BlobNotFoundError);
  });

  test("filesystem engine: lists in the keys' lexicographic order, from any start", async () => {
    // Folder names around "/" in byte order: "-" and "." sort before it, digits and letters after.
    const keys = ['o/a.x', 'o/a/b', 'o/a/c/d', 'o/a0', 'o/a-b', 'o/b', 'o/a/c.e', 'o/a/cd/e', 'o/z/1'];
    for (const key of keys) await engine.put(key, Buffer.from(key));
    const stored = [...keys].sort();
    const list = async (prefix: string, startAfter?: string) => {
      const out: string[] = [];
      for await (const key of engine.list(prefix, startAfter)) out.push(key);
      return out;
    };
    assert.deepEqual(await list('o/'), stored);
    for (const start of ['', 'o/', 'o/a', 'o/a-b', 'o/a.', 'o/a/', 'o/a/c', 'o/a/c/d', 'o/a/cd/e', 'o/a0', 'o/y', 'o/z/1', 'p']) {
      assert.deepEqual(
        await list('o/', start),
        stored.filter((k) => k > start),
        `after ${start}`,
      );
    }
    assert.deepEqual(
      await list('o/a', 'o/a/b'),
      stored.filter((k) => k.startsWith('o/a') && k > 'o/a/b'),
    );
    for (const key of stored) await engine.delete(key);
  });

  test('filesystem engine: keys that could escape the store are refused', async () => {
    for (const key of ['../x', 'a/../../x', '/abs', 'a//b', 'a/./b', '', 'a\\b', 'a/b c']) {
      await assert.rejects(engine.put(key, Buffer.from('x')), /invalid blob key/, key);
    }
  });

  test('filesystem engine: a write that fails part-way leaves the old object and no temp file', async () => {
    await engine.put('f/1', Buffer.from('old'));
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1000, 1));
        this.destroy(new Error('client went away'));
      },
    });
    await assert.rejects(engine.put('f/1', failing), /client went away/);
    assert.equal((await readAll(await engine.get('f/1'))).toString(), 'old');
    assert.deepEqual(await readdir(join(dir, 'tmp')), []);
  });

  test('sealed store: the engine holds only ciphertext; reading needs the same context', async () => {
    const blobs = new SealedBlobStore(engine, kms);
    const plaintext = Buffer.from('a recognisable plaintext '.repeat(5000));
    await blobs.put('s/1', plaintext, { context: { project: 'p1' } });
    const stored = await readFile(join(dir, 'objects', 's', '1'));
    assert.equal(stored.indexOf(Buffer.from('recognisable')), -1);
    assert.deepEqual(await blobs.getBuffer('s/1', { project: 'p1' }), plaintext);
    assert.equal(await blobs.keyIdOf('s/1'), kms.defaultKeyId);
    await assert.rejects(blobs.getBuffer('s/1', { project: 'p2' }), { name: 'SealedObjectError', message: /encryption context mismatch/ });
  });

  test('sealed store: an object moved to another key inside the engine does not open', async () => {
    const blobs = new SealedBlobStore(engine, kms);
    await blobs.put('m/1', Buffer.from('first'), { context: { project: 'p1' } });
    await blobs.put('m/2', Buffer.from('second'), { context: { project: 'p1' } });
    await writeFile(join(dir, 'objects', 'm', '2'), await readFile(join(dir, 'objects', 'm', '1')));
    // The header's stored context names m/1, so the swap is caught before the KMS is asked.
    await assert.rejects(blobs.getBuffer('m/2', { project: 'p1' }), { name: 'SealedObjectError', message: /encryption context mismatch/ });
  });

  test('sealed store: a corrupted object fails to open and yields no bytes past the damage', async () => {
    const blobs = new SealedBlobStore(engine, kms);
    await blobs.put('c/1', Buffer.alloc(300_000, 7), { context: {} });
    const path = join(dir, 'objects', 'c', '1');
    const bytes = await readFile(path);
    bytes[bytes.length - 100] ^= 0x80;
    await writeFile(path, bytes);
    await assert.rejects(blobs.getBuffer('c/1', {}), SealedObjectError);
  });

  test('sealed store: a source stream that fails stores nothing', async () => {
    const blobs = new SealedBlobStore(engine, kms);
    const failing = new Readable({
      read() {
        this.destroy(new Error('upload aborted'));
      },
    });
    await assert.rejects(blobs.put('e/1', failing, { context: {} }), /upload aborted/);
    assert.equal(await blobs.exists('e/1'), false);
  });
});
