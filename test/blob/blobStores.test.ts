import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, HeadObjectCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { BlobChangedError, BlobNotFoundError, type BlobReader, type BlobStore } from '../../src/blob/blobStore.js';
import { FsBlobStore } from '../../src/blob/fsBlobStore.js';
import { S3BlobStore } from '../../src/blob/s3BlobStore.js';
import { SealedBlobStore } from '../../src/blob/sealedBlobStore.js';
import type { EmbeddedKms } from '../../src/crypto/embeddedKms.js';
import { SealedObjectError } from '../../src/crypto/sealedObject.js';
import { type CephRgw, cephSkip, startCephRgw } from '../helpers/cephRgw.js';
import { makeTestKms } from '../helpers/kms.js';
import { s3Client } from '../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

const readAll = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const MiB = 1024 * 1024;
/** The smallest part S3 accepts, so that a test object of a few MiB already goes up in parts. */
const PART_SIZE = 5 * MiB;

/** An engine under test, with what only its kind can show. */
interface OpenedEngine {
  engine: BlobStore;
  /** Filesystem: the folder of its temp files. */
  tempDir?: string;
  /** S3: the raw client and bucket, to look at what the store holds. */
  s3?: { client: S3Client; bucket: string; endpoint: string; ca: Buffer; credentials: { accessKeyId: string; secretAccessKey: string } };
  close(): Promise<void>;
}

interface EngineKind {
  name: string;
  skip: string | false;
  open(): Promise<OpenedEngine>;
}

async function openS3Engine(endpoint: string, ca: string, credentials: { accessKeyId: string; secretAccessKey: string }, client: S3Client, stop: () => Promise<void>): Promise<OpenedEngine> {
  await client.send(new CreateBucketCommand({ Bucket: 'blob-tests' }));
  const engine = await S3BlobStore.open({ endpoint, region: 'us-east-1', bucket: 'blob-tests', prefix: 'vigil/blobs', credentials, ca: Buffer.from(ca), partSize: PART_SIZE });
  return {
    engine,
    s3: { client, bucket: 'blob-tests', endpoint, ca: Buffer.from(ca), credentials },
    async close() {
      engine.close();
      client.destroy();
      await stop();
    },
  };
}

const ENGINES: EngineKind[] = [
  {
    name: 'filesystem',
    skip: false,
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'vigil-blobs-'));
      return { engine: await FsBlobStore.open(dir), tempDir: join(dir, 'tmp'), close: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'S3 on Ceph RGW',
    skip: cephSkip,
    async open() {
      const rgw: CephRgw = await startCephRgw();
      return openS3Engine(rgw.endpoint, rgw.ca, rgw.credentials, rgw.client(), () => rgw.stop()).catch(async (error: unknown) => {
        await rgw.stop();
        throw error;
      });
    },
  },
  {
    name: "S3 on another Vigil's S3 API",
    skip: false,
    async open() {
      const store: TestVigil = await startTestVigil();
      return openS3Engine(store.endpoint, store.tls.cert, store.rootAccessKey, s3Client(store), () => store.stop());
    },
  },
];

/** A real engine whose ranged reads are counted: which bytes a sealed read asked the store for. */
class CountingEngine implements BlobStore {
  bytesRead = 0;
  constructor(private readonly inner: BlobStore) {}
  put(key: string, body: Readable | Buffer) {
    return this.inner.put(key, body);
  }
  get(key: string) {
    return this.inner.get(key);
  }
  async openReader(key: string): Promise<BlobReader> {
    const reader = await this.inner.openReader(key);
    return {
      read: async (first, last) => {
        const stream = await reader.read(first, last);
        stream.on('data', (chunk: Buffer) => {
          this.bytesRead += chunk.length;
        });
        return stream;
      },
      close: () => reader.close(),
    };
  }
  exists(key: string) {
    return this.inner.exists(key);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
  list(prefix: string, startAfter?: string) {
    return this.inner.list(prefix, startAfter);
  }
}

/** A stream of `size` bytes in odd-sized chunks that fails after failAfter bytes when given. */
function patterned(size: number, failAfter?: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (failAfter !== undefined && sent >= failAfter) return this.destroy(new Error('client went away'));
      if (sent >= size) return this.push(null);
      const chunk = Buffer.alloc(Math.min(100_003, size - sent));
      for (let i = 0; i < chunk.length; i++) chunk[i] = (sent + i) % 251;
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

for (const kind of ENGINES) {
  describe(`blob engine: ${kind.name}`, { skip: kind.skip }, () => {
    let opened: OpenedEngine;
    let engine: BlobStore;
    let kms: EmbeddedKms;
    let closeKms: () => Promise<void>;
    before(async () => {
      opened = await kind.open();
      engine = opened.engine;
      ({ kms, close: closeKms } = await makeTestKms());
    });
    after(async () => {
      await closeKms?.();
      await opened?.close();
    });
    const list = async (prefix: string, startAfter?: string) => {
      const keys: string[] = [];
      for await (const key of engine.list(prefix, startAfter)) keys.push(key);
      return keys;
    };
    /** Multipart uploads begun and neither completed nor aborted (S3 only). */
    const uploadsInProgress = async () => {
      if (!opened.s3) return 0;
      return (await opened.s3.client.send(new ListMultipartUploadsCommand({ Bucket: opened.s3.bucket }))).Uploads?.length ?? 0;
    };

    test('put, overwrite, get, exists, list by prefix, delete', async () => {
      await engine.put('p/a/1', Buffer.from('one'));
      await engine.put('p/a/2', Readable.from([Buffer.from('tw'), Buffer.from('o')]));
      await engine.put('p/b/1', Buffer.from('three'));
      await engine.put('p/a/1', Buffer.from('ONE'));
      await engine.put('p/e', Buffer.alloc(0));
      assert.equal((await readAll(await engine.get('p/a/1'))).toString(), 'ONE');
      assert.equal((await readAll(await engine.get('p/a/2'))).toString(), 'two');
      assert.equal((await readAll(await engine.get('p/e'))).length, 0);
      assert.equal(await engine.exists('p/a/2'), true);
      assert.equal(await engine.exists('p/a/3'), false);
      assert.deepEqual(await list('p/a/'), ['p/a/1', 'p/a/2']);
      assert.deepEqual(await list('p/'), ['p/a/1', 'p/a/2', 'p/b/1', 'p/e']);
      assert.deepEqual(await list('q/'), []);
      await engine.delete('p/a/1');
      await engine.delete('p/a/1');
      await assert.rejects(engine.get('p/a/1'), BlobNotFoundError);
      assert.equal(await engine.exists('p/a/1'), false);
      for (const key of ['p/a/2', 'p/b/1', 'p/e']) await engine.delete(key);
    });

    test("lists in the keys' lexicographic order, from any start", async () => {
      // Folder names around "/" in byte order: "-" and "." sort before it, digits and letters after.
      const keys = ['o/a.x', 'o/a/b', 'o/a/c/d', 'o/a0', 'o/a-b', 'o/b', 'o/a/c.e', 'o/a/cd/e', 'o/z/1'];
      for (const key of keys) await engine.put(key, Buffer.from(key));
      const stored = [...keys].sort();
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

    test('keys that could escape the store are refused', async () => {
      for (const key of ['../x', 'a/../../x', '/abs', 'a//b', 'a/./b', '', 'a\\b', 'a/b c']) {
        await assert.rejects(engine.put(key, Buffer.from('x')), /invalid blob key/, key);
        await assert.rejects(engine.get(key), /invalid blob key/, key);
        await assert.rejects(engine.openReader(key), /invalid blob key/, key);
        await assert.rejects(engine.delete(key), /invalid blob key/, key);
      }
    });

    test('a write that fails part-way leaves the old object and nothing else', async () => {
      await engine.put('f/1', Buffer.from('old'));
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(1000, 1));
          this.destroy(new Error('client went away'));
        },
      });
      await assert.rejects(engine.put('f/1', failing), /client went away/);
      assert.equal((await readAll(await engine.get('f/1'))).toString(), 'old');
      if (opened.tempDir) assert.deepEqual(await readdir(opened.tempDir), []);
      assert.equal(await uploadsInProgress(), 0);
      assert.deepEqual(await list('f/'), ['f/1']);
    });

    test('a large object goes up whole (in parts on S3); one that fails after some parts leaves the old one', async () => {
      const size = 2 * PART_SIZE + 5;
      await engine.put('big/1', patterned(size));
      const read = await readAll(await engine.get('big/1'));
      assert.equal(read.length, size);
      assert.ok(read.equals(await readAll(patterned(size))));
      if (opened.s3) {
        const head = await opened.s3.client.send(new HeadObjectCommand({ Bucket: opened.s3.bucket, Key: 'vigil/blobs/big/1' }));
        assert.match(head.ETag ?? '', /-3"$/, 'three parts: two whole, one of 5 bytes');
      }
      await assert.rejects(engine.put('big/1', patterned(size, PART_SIZE + 200_000)), /client went away/);
      assert.ok((await readAll(await engine.get('big/1'))).equals(read), 'the old object is intact');
      assert.equal(await uploadsInProgress(), 0, 'the failed upload was aborted');
      await engine.delete('big/1');
    });

    test('a reader reads byte ranges of one version of the object', async () => {
      const first = randomBytes(10_000);
      await engine.put('r/1', first);
      const reader = await engine.openReader('r/1');
      try {
        assert.ok((await readAll(await reader.read(0, 99))).equals(first.subarray(0, 100)));
        assert.ok((await readAll(await reader.read(9_990, 20_000))).equals(first.subarray(9_990)), 'cut at the end');
        assert.equal((await readAll(await reader.read(10_000, 10_100))).length, 0, 'past the end: nothing');
        await engine.put('r/1', randomBytes(10_000));
        // The replaced object is never mixed in: the old bytes (a file still open) or BlobChangedError.
        const again: Buffer | Error = await reader.read(5_000, 5_099).then(readAll, (error: Error) => error);
        if (again instanceof Error) assert.ok(again instanceof BlobChangedError, String(again));
        else assert.ok(again.equals(first.subarray(5_000, 5_100)));
      } finally {
        await reader.close();
      }
      // Here or at the first read.
      await assert.rejects(async () => {
        const missing = await engine.openReader('r/none');
        try {
          await readAll(await missing.read(0, 10));
        } finally {
          await missing.close();
        }
      }, BlobNotFoundError);
    });

    test('sealed store: the engine holds only ciphertext; reading needs the same context', async () => {
      const blobs = new SealedBlobStore(engine, kms);
      const plaintext = Buffer.from('a recognisable plaintext '.repeat(5000));
      await blobs.put('s/1', plaintext, { context: { project: 'p1' } });
      const stored = await readAll(await engine.get('s/1'));
      assert.equal(stored.indexOf(Buffer.from('recognisable')), -1);
      assert.deepEqual(await blobs.getBuffer('s/1', { project: 'p1' }), plaintext);
      assert.equal(await blobs.keyIdOf('s/1'), kms.defaultKeyId);
      await assert.rejects(blobs.getBuffer('s/1', { project: 'p2' }), { name: 'SealedObjectError', message: /encryption context mismatch/ });
    });

    test('sealed store: an object moved to another key inside the engine does not open', async () => {
      const blobs = new SealedBlobStore(engine, kms);
      await blobs.put('m/1', Buffer.from('first'), { context: { project: 'p1' } });
      await blobs.put('m/2', Buffer.from('second'), { context: { project: 'p1' } });
      await engine.put('m/2', await readAll(await engine.get('m/1')));
      // The header's stored context names m/1, so the swap is caught before the KMS is asked.
      await assert.rejects(blobs.getBuffer('m/2', { project: 'p1' }), { name: 'SealedObjectError', message: /encryption context mismatch/ });
    });

    test('sealed store: a corrupted object fails to open and yields no bytes past the damage', async () => {
      const blobs = new SealedBlobStore(engine, kms);
      await blobs.put('c/1', Buffer.alloc(300_000, 7), { context: {} });
      const bytes = await readAll(await engine.get('c/1'));
      bytes[bytes.length - 100] ^= 0x80;
      await engine.put('c/1', bytes);
      await assert.rejects(blobs.getBuffer('c/1', {}), SealedObjectError);
      await assert.rejects(blobs.getRange('c/1', {}, { start: 299_990, end: 299_999 }, 300_000).then(readAll), SealedObjectError);
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

    test('sealed store: a range reads only the header and the frames that hold it', async () => {
      const counting = new CountingEngine(engine);
      const blobs = new SealedBlobStore(counting, kms);
      const size = 5 * 65_536 + 1_000; // five whole 64 KiB frames and a short final one
      const plaintext = randomBytes(size);
      await blobs.put('g/1', plaintext, { context: { project: 'p1' } });
      const sealedSize = (await readAll(await engine.get('g/1'))).length;
      const ranges: [number, number][] = [
        [0, 0],
        [0, size - 1],
        [65_535, 65_536],
        [65_536, 2 * 65_536 - 1],
        [100_000, 100_099],
        [5 * 65_536 - 3, 5 * 65_536 + 2],
        [size - 1, size - 1],
        [5 * 65_536, size - 1],
      ];
      for (const [start, end] of ranges) {
        counting.bytesRead = 0;
        const read = await readAll(await blobs.getRange('g/1', { project: 'p1' }, { start, end }, size));
        assert.ok(read.equals(plaintext.subarray(start, end + 1)), `bytes ${start}-${end}`);
        const frames = Math.floor(end / 65_536) - Math.floor(start / 65_536) + 1;
        assert.ok(counting.bytesRead <= 4096 + frames * (65_536 + 21), `bytes ${start}-${end}: read ${counting.bytesRead} of ${sealedSize}`);
      }
      counting.bytesRead = 0;
      assert.equal(await blobs.keyIdOf('g/1'), kms.defaultKeyId);
      assert.ok(counting.bytesRead <= 4096, 'the key id needs the header alone');
      await assert.rejects(blobs.getRange('g/1', { project: 'p2' }, { start: 0, end: 9 }, size).then(readAll), /encryption context mismatch/);
    });

    test('sealed store: a range of an object that lacks the recorded size fails', async () => {
      const blobs = new SealedBlobStore(engine, kms);
      const plaintext = randomBytes(3 * 65_536 + 10);
      await blobs.put('h/1', plaintext, { context: {} });
      const range = (start: number, end: number, size: number) => blobs.getRange('h/1', {}, { start, end }, size).then(readAll);
      // Recorded as larger: the frame the size puts last is not the final one, or the final frame comes too early.
      await assert.rejects(range(3 * 65_536, 3 * 65_536 + 10, 3 * 65_536 + 11), SealedObjectError);
      await assert.rejects(range(4 * 65_536, 4 * 65_536, 5 * 65_536), SealedObjectError);
      // Recorded as smaller: the last frame read is not final.
      await assert.rejects(range(65_536, 65_540, 2 * 65_536), SealedObjectError);
      await assert.rejects(range(0, 5, 0), RangeError);
      assert.ok((await range(3 * 65_536, 3 * 65_536 + 9, plaintext.length)).equals(plaintext.subarray(3 * 65_536)));
      await assert.rejects(blobs.getRange('h/none', {}, { start: 0, end: 0 }, 1).then(readAll), BlobNotFoundError);
    });

    test('sealed store: a rewrap after a key rotation replaces the header of every listed object; they open as before', async () => {
      const blobs = new SealedBlobStore(engine, kms);
      const key = await kms.createKey({ description: 'rewrap' });
      const small = randomBytes(1_000);
      const large = randomBytes(PART_SIZE + 100_000); // a part boundary in the middle of a frame on S3
      await blobs.put('w/1', small, { keyId: key.arn, context: { n: '1' } });
      await blobs.put('w/2', large, { keyId: key.arn, context: { n: '2' } });
      const before = await readAll(await engine.get('w/2'));
      await kms.rotateKey(key.arn);
      const outcomes: string[] = [];
      for await (const blobKey of blobs.list('w/')) outcomes.push(await blobs.rewrap(blobKey, key.arn));
      assert.deepEqual(outcomes, ['rewrapped', 'rewrapped']);
      const after = await readAll(await engine.get('w/2'));
      assert.ok(!after.equals(before), 'the header changed');
      assert.ok(after.subarray(after.length - 100_000).equals(before.subarray(before.length - 100_000)), 'the frames did not');
      assert.ok((await blobs.getBuffer('w/1', { n: '1' })).equals(small));
      assert.ok((await blobs.getBuffer('w/2', { n: '2' })).equals(large));
      assert.ok((await readAll(await blobs.getRange('w/2', { n: '2' }, { start: PART_SIZE, end: PART_SIZE + 9 }, large.length))).equals(large.subarray(PART_SIZE, PART_SIZE + 10)));
      for (const blobKey of ['w/1', 'w/2']) await blobs.delete(blobKey);
    });

    if (kind.name !== 'filesystem') {
      test('S3: a bucket is claimed by one installation; its marker is no object', async () => {
        const s3 = engine as S3BlobStore;
        await s3.claim('111111111111');
        await s3.claim('111111111111');
        await assert.rejects(s3.claim('222222222222'), /holds the objects of another Vigil installation \(111111111111, this is 222222222222\)/);
        assert.ok(!(await list('')).some((key) => key.includes('installation')));
        const { endpoint, ca, credentials, bucket } = opened.s3!;
        const other = await S3BlobStore.open({ endpoint, ca, credentials, bucket, region: 'us-east-1', prefix: 'vigil/other' });
        try {
          await other.claim('222222222222');
          await other.put('x/1', Buffer.from('other'));
          assert.deepEqual(
            (await list('')).filter((key) => key.startsWith('x/')),
            [],
            'another prefix is another store',
          );
          await other.delete('x/1');
        } finally {
          other.close();
        }
      });

      test('S3: opening fails clearly on a missing bucket, refused credentials or an untrusted certificate', async () => {
        const { endpoint, ca, credentials } = opened.s3!;
        const open = (options: Partial<Parameters<typeof S3BlobStore.open>[0]>) => S3BlobStore.open({ endpoint, ca, credentials, region: 'us-east-1', bucket: 'blob-tests', ...options });
        await assert.rejects(open({ bucket: 'no-such-bucket' }), /bucket no-such-bucket\): the bucket does not exist/);
        const wrong = { accessKeyId: credentials.accessKeyId, secretAccessKey: 'not-the-secret-at-all' };
        await assert.rejects(open({ credentials: wrong }), (error: Error) => /refused Vigil's credentials/.test(error.message) && !error.message.includes('not-the-secret'));
        await assert.rejects(open({ ca: undefined, connectionTimeoutMs: 2000 }), (error: Error) => /HeadBucket failed/.test(error.message) && /certificate/i.test(error.message));
        await assert.rejects(open({ partSize: MiB }), /below S3's minimum/);
      });
    }
  });
}
