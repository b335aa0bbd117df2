import assert from 'node:assert/strict';
import { createCipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { contextDigest, type EncryptionContext } from '../../src/crypto/encryptionContext.js';
import type { Kms } from '../../src/crypto/kms.js';
import { KmsError } from '../../src/crypto/kmsErrors.js';
import { createOpenStream, createSealStream, DEFAULT_FRAME_SIZE, open, readSealedHeader, rewrapSealedHeader, SealedObjectError, seal, sealedRangeOf } from '../../src/crypto/sealedObject.js';
import { encodeSealedHeader, MAX_FRAME_SIZE, parseSealedHeader } from '../../src/crypto/sealedObjectHeader.js';
import { makeTestKms } from '../helpers/kms.js';

const context: EncryptionContext = { project: 'cookies', dataset: 'train', object: 'images/0001.jpg' };
const TAG = 16;
const SMALL_FRAME = 16;

let kms: Kms;
let closeKms: () => Promise<void>;
before(async () => {
  const made = await makeTestKms();
  kms = made.kms;
  closeKms = () => made.close();
});
after(() => closeKms());

/** Deterministic chunk sizes, so a failing chunking can be reproduced. */
function* chunked(bytes: Buffer, seed: number, maxChunk: number): Generator<Buffer> {
  let state = seed >>> 0;
  for (let offset = 0; offset < bytes.length; ) {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    const size = 1 + (state % maxChunk);
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

/** Seals then opens through streams fed with the given chunkings. */
async function streamRoundTrip(plaintext: Buffer, frameSize: number | undefined, sealChunks: Iterable<Buffer>, openChunks: (sealed: Buffer) => Iterable<Buffer>): Promise<Buffer> {
  const sealedParts: Buffer[] = [];
  await pipeline(Readable.from(sealChunks), await createSealStream(kms, { context, frameSize }), async (source: AsyncIterable<Buffer>) => {
    for await (const part of source) sealedParts.push(part);
  });
  const sealed = Buffer.concat(sealedParts);
  let opened: Buffer = Buffer.alloc(0);
  await pipeline(Readable.from(openChunks(sealed)), createOpenStream(kms, context), async (source: AsyncIterable<Buffer>) => {
    opened = await collect(source);
  });
  assert.equal(opened.length, plaintext.length);
  return opened;
}

/** Opens through the stream and records what it emitted before failing (if it failed). */
async function openStreaming(sealed: Buffer, openContext: EncryptionContext = context, chunkSize = 7): Promise<{ emitted: Buffer; error: unknown }> {
  const parts: Buffer[] = [];
  try {
    await pipeline(Readable.from(chunked(sealed, 1, chunkSize)), createOpenStream(kms, openContext), async (source: AsyncIterable<Buffer>) => {
      for await (const part of source) parts.push(part);
    });
    return { emitted: Buffer.concat(parts), error: undefined };
  } catch (error) {
    return { emitted: Buffer.concat(parts), error };
  }
}

/** Describes why an opening attempt is not a clean integrity failure, or returns undefined if it is. */
async function cleanFailure(attempt: Promise<Buffer>, ErrorClass: typeof SealedObjectError | typeof KmsError | 'either' = 'either'): Promise<string | undefined> {
  try {
    const bytes = await attempt;
    return `returned ${bytes.length} bytes`;
  } catch (error) {
    const ok = ErrorClass === 'either' ? error instanceof SealedObjectError || error instanceof KmsError : error instanceof ErrorClass;
    return ok ? undefined : `threw ${String(error)}`;
  }
}

async function assertRejects(attempt: Promise<Buffer>, ErrorClass: typeof SealedObjectError | typeof KmsError | 'either', message?: RegExp): Promise<void> {
  let caught: unknown;
  try {
    const bytes = await attempt;
    assert.fail(`expected a failure, got ${bytes.length} bytes`);
  } catch (error) {
    caught = error;
  }
  assert.equal(await cleanFailure(Promise.reject(caught), ErrorClass), undefined, String(caught));
  if (message) assert.match((caught as Error).message, message);
}

/** Header length and frame extents of a sealed object made by this implementation. */
function layout(sealed: Buffer): { headerLength: number; frames: Array<{ start: number; end: number }> } {
  const parsed = parseSealedHeader(sealed);
  assert.ok('header' in parsed);
  const frames: Array<{ start: number; end: number }> = [];
  let offset = parsed.length;
  while (offset < sealed.length) {
    const final = sealed[offset] === 1;
    const length = final ? 5 + sealed.readUInt32BE(offset + 1) + TAG : 1 + parsed.header.frameSize + TAG;
    frames.push({ start: offset, end: offset + length });
    offset += length;
  }
  return { headerLength: parsed.length, frames };
}

describe('sealed object round trips', () => {
  for (const frameSize of [SMALL_FRAME, DEFAULT_FRAME_SIZE]) {
    for (const size of [0, 1, frameSize - 1, frameSize, frameSize + 1, 2 * frameSize, 3 * frameSize + 5]) {
      test(`${size} bytes, frame size ${frameSize}`, async () => {
        const plaintext = randomBytes(size);
        const sealed = await seal(kms, plaintext, { context, frameSize });
        assert.deepEqual(await open(kms, sealed, context), plaintext);
        // One frame per started frameSize bytes, at least one; an exact multiple ends with a full final frame.
        const { frames } = layout(sealed);
        assert.equal(frames.length, Math.max(1, Math.ceil(size / frameSize)));
        assert.equal(sealed[frames[frames.length - 1].start], 1);
        assert.ok(frames.slice(0, -1).every((frame) => sealed[frame.start] === 0));
      });
    }
  }

  test('several MB with the default frame size', async () => {
    const plaintext = randomBytes(5 * 1024 * 1024 + 123);
    const sealed = await seal(kms, plaintext, { context });
    assert.ok(sealed.length < plaintext.length + 4096 + 81 * 34, 'overhead stays a few bytes per frame');
    assert.deepEqual(await open(kms, sealed, context), plaintext);
  });

  test('several MB through stream pipelines in random chunks up to 1 MiB', async () => {
    const plaintext = randomBytes(3 * 1024 * 1024 + 77);
    const opened = await streamRoundTrip(plaintext, undefined, chunked(plaintext, 11, 1 << 20), (sealed) => chunked(sealed, 12, 1 << 20));
    assert.deepEqual(opened, plaintext);
  });

  test('random chunkings down to 1-byte writes, small frames', async () => {
    const plaintext = randomBytes(1000);
    for (const maxChunk of [1, 2, 3, 17, 64, 333]) {
      const opened = await streamRoundTrip(plaintext, SMALL_FRAME, chunked(plaintext, maxChunk, maxChunk), (sealed) => chunked(sealed, maxChunk + 1, maxChunk));
      assert.deepEqual(opened, plaintext, `max chunk ${maxChunk}`);
    }
  });

  test('1-byte writes across a default-size frame boundary, both ways', async () => {
    const plaintext = randomBytes(DEFAULT_FRAME_SIZE + 100);
    const opened = await streamRoundTrip(plaintext, undefined, chunked(plaintext, 0, 1), (sealed) => chunked(sealed, 0, 1));
    assert.deepEqual(opened, plaintext);
  });

  test('each seal uses a fresh data key, message id and nonce prefix', async () => {
    const plaintext = Buffer.from('same plaintext');
    const [a, b] = [await seal(kms, plaintext, { context }), await seal(kms, plaintext, { context })];
    const [ha, hb] = [readSealedHeader(a), readSealedHeader(b)];
    assert.notDeepEqual(ha.messageId, hb.messageId);
    assert.notDeepEqual(ha.noncePrefix, hb.noncePrefix);
    assert.notDeepEqual(ha.wrappedDataKey, hb.wrappedDataKey);
    assert.notDeepEqual(a.subarray(-TAG), b.subarray(-TAG));
  });

  test('readSealedHeader names the key that protects the object', async () => {
    const sealed = await seal(kms, Buffer.from('x'), { context, keyId: kms.defaultKeyId, frameSize: 1000 });
    const header = readSealedHeader(sealed);
    assert.equal(header.keyId, kms.defaultKeyId);
    assert.equal(header.version, 2);
    assert.deepEqual(header.context, context);
    assert.equal(header.frameSize, 1000);
    assert.equal(readSealedHeader(await seal(kms, Buffer.alloc(0), { context })).frameSize, DEFAULT_FRAME_SIZE);
  });

  test('the open stream emits a frame as soon as it verified, before the rest arrives', async () => {
    const plaintext = randomBytes(3 * SMALL_FRAME);
    const sealed = await seal(kms, plaintext, { context, frameSize: SMALL_FRAME });
    const { frames } = layout(sealed);
    const stream = createOpenStream(kms, context);
    const firstData = new Promise<Buffer>((resolve) => stream.once('data', resolve));
    stream.write(sealed.subarray(0, frames[0].end));
    assert.deepEqual(await firstData, plaintext.subarray(0, SMALL_FRAME));
    stream.destroy();
  });

  test('data-key buffers handed out by the KMS are zeroed after use', async () => {
    const handedOut: Buffer[] = [];
    const watching = kmsWith({
      generateDataKey: async (keyId, ctx) => {
        const key = await kms.generateDataKey(keyId, ctx);
        handedOut.push(key.plaintext);
        return key;
      },
      decryptDataKey: async (blob, ctx) => {
        const key = await kms.decryptDataKey(blob, ctx);
        handedOut.push(key.plaintext);
        return key;
      },
    });
    await open(watching, await seal(watching, Buffer.from('secret'), { context }), context);
    assert.equal(handedOut.length, 2);
    for (const key of handedOut) assert.ok(key.every((byte) => byte === 0));
  });

  test('invalid frame sizes are refused when sealing', async () => {
    for (const frameSize of [0, -1, 1.5, MAX_FRAME_SIZE + 1]) {
      await assert.rejects(createSealStream(kms, { context, frameSize }), RangeError);
    }
  });

  test('an unknown key id fails with the KMS error', async () => {
    await assert.rejects(seal(kms, Buffer.from('x'), { context, keyId: 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000' }), KmsError);
  });
});

describe('sealed object tampering', () => {
  const plaintext = randomBytes(100);
  let sealed: Buffer;
  before(async () => {
    sealed = await seal(kms, plaintext, { context, frameSize: SMALL_FRAME });
  });

  test('every single-bit flip is rejected, and the stream never emits unverified bytes', async () => {
    const problems: string[] = [];
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const tampered = Buffer.from(sealed);
      tampered[bit >> 3] ^= 1 << (bit & 7);
      const problem = await cleanFailure(open(kms, tampered, context));
      if (problem) problems.push(`bit ${bit}: ${problem}`);
      const { emitted, error } = await openStreaming(tampered);
      if (!(error instanceof SealedObjectError || error instanceof KmsError)) problems.push(`bit ${bit} streamed: ${String(error)}`);
      // Whatever the stream let out before failing must be verified frames, i.e. a prefix of the plaintext.
      if (!emitted.equals(plaintext.subarray(0, emitted.length))) problems.push(`bit ${bit}: emitted unverified bytes`);
    }
    assert.deepEqual(problems, []);
    assert.ok(sealed.length * 8 > 3000, `tested ${sealed.length * 8} bits`);
  });

  test('truncation at every byte position is rejected', async () => {
    const problems: string[] = [];
    for (let length = 0; length < sealed.length; length++) {
      const problem = await cleanFailure(open(kms, sealed.subarray(0, length), context), SealedObjectError);
      if (problem) problems.push(`length ${length}: ${problem}`);
    }
    assert.deepEqual(problems, []);
  });

  test('truncation at every frame boundary says it is truncated', async () => {
    const { headerLength, frames } = layout(sealed);
    assert.equal(frames.length, 7);
    await assertRejects(open(kms, sealed.subarray(0, headerLength - 1), context), SealedObjectError, /truncated \(incomplete header\)/);
    for (const [index, frame] of frames.entries()) {
      await assertRejects(open(kms, sealed.subarray(0, frame.start), context), SealedObjectError, new RegExp(`truncated \\(no final frame after ${index} frames\\)`));
    }
    await assertRejects(open(kms, Buffer.alloc(0), context), SealedObjectError, /truncated/);
  });

  test('swapping two frames is rejected', async () => {
    const { frames } = layout(sealed);
    const [one, two] = [sealed.subarray(frames[1].start, frames[1].end), sealed.subarray(frames[2].start, frames[2].end)];
    const swapped = Buffer.concat([sealed.subarray(0, frames[1].start), two, one, sealed.subarray(frames[2].end)]);
    assert.equal(swapped.length, sealed.length);
    await assertRejects(open(kms, swapped, context), SealedObjectError, /frame 1 failed authentication/);
  });

  test('duplicating or dropping a frame is rejected', async () => {
    const { frames } = layout(sealed);
    const frame = sealed.subarray(frames[2].start, frames[2].end);
    const duplicated = Buffer.concat([sealed.subarray(0, frames[2].end), frame, sealed.subarray(frames[2].end)]);
    await assertRejects(open(kms, duplicated, context), SealedObjectError, /frame 3 failed authentication/);
    const dropped = Buffer.concat([sealed.subarray(0, frames[2].start), sealed.subarray(frames[2].end)]);
    await assertRejects(open(kms, dropped, context), SealedObjectError, /frame 2 failed authentication/);
  });

  test('bytes after the final frame are rejected', async () => {
    const { frames } = layout(sealed);
    const last = frames[frames.length - 1];
    for (const extra of [Buffer.of(0), Buffer.of(1), randomBytes(40), sealed.subarray(last.start, last.end)]) {
      await assertRejects(open(kms, Buffer.concat([sealed, extra]), context), SealedObjectError, /unexpected bytes after the final frame/);
    }
  });

  test('frames of another object under the same key and context are rejected', async () => {
    const other = await seal(kms, plaintext, { context, frameSize: SMALL_FRAME });
    const spliced = Buffer.concat([sealed.subarray(0, layout(sealed).headerLength), other.subarray(layout(other).headerLength)]);
    await assertRejects(open(kms, spliced, context), SealedObjectError, /frame 0 failed authentication/);
  });

  test('a wrong encryption context is rejected before the KMS is asked', async () => {
    const wrong: EncryptionContext[] = [{ ...context, object: 'images/0002.jpg' }, { ...context, extra: '' }, { project: context.project, dataset: context.dataset }, {}];
    for (const other of wrong) {
      await assertRejects(open(kms, sealed, other), SealedObjectError, /encryption context mismatch/);
      const { emitted, error } = await openStreaming(sealed, other);
      assert.ok(error instanceof SealedObjectError);
      assert.equal(emitted.length, 0);
    }
  });

  test('frames are bound to the context even if a KMS ignored it', async () => {
    const lax = kmsWith({
      generateDataKey: (keyId) => kms.generateDataKey(keyId, {}),
      decryptDataKey: (blob) => kms.decryptDataKey(blob, {}),
    });
    const laxSealed = await seal(lax, plaintext, { context, frameSize: SMALL_FRAME });
    assert.deepEqual(await open(lax, laxSealed, context), plaintext);
    // Someone rewrites the stored context to match what they will ask with; the frames still refuse.
    const other = { ...context, object: 'other' };
    const { headerLength } = layout(laxSealed);
    const header = readSealedHeader(laxSealed);
    const forged = Buffer.concat([encodeSealedHeader({ ...header, context: other }), laxSealed.subarray(headerLength)]);
    await assertRejects(open(lax, forged, other), SealedObjectError, /frame 0 failed authentication/);
  });

  test('another KMS (different root key) cannot open it', async () => {
    const other = await makeTestKms();
    try {
      await assertRejects(open(other.kms, sealed, context), KmsError);
    } finally {
      await other.close();
    }
  });

  test('a data key other than the committed one is refused before any frame is decrypted', async () => {
    const lying = kmsWith({
      generateDataKey: (keyId, ctx) => kms.generateDataKey(keyId, ctx),
      decryptDataKey: async (blob, ctx) => ({ ...(await kms.decryptDataKey(blob, ctx)), plaintext: randomBytes(32) }),
    });
    await assertRejects(open(lying, sealed, context), SealedObjectError, /key commitment mismatch/);
    const { emitted } = await openStreaming(sealed, context);
    assert.deepEqual(emitted, plaintext); // the honest KMS still opens it
  });

  test('a KMS that unwraps under another key id than the header names is refused', async () => {
    const renaming = kmsWith({
      generateDataKey: (keyId, ctx) => kms.generateDataKey(keyId, ctx),
      decryptDataKey: async (blob, ctx) => ({ ...(await kms.decryptDataKey(blob, ctx)), keyId: 'arn:aws:kms:us-east-1:123456789012:key/other' }),
    });
    await assertRejects(open(renaming, sealed, context), SealedObjectError, /key id mismatch/);
  });

  test('an unsupported format version or a foreign file is rejected with a clear message', async () => {
    const versioned = Buffer.from(sealed);
    versioned[4] = 7;
    await assertRejects(open(kms, versioned, context), SealedObjectError, /unsupported format version 7/);
    assert.throws(() => readSealedHeader(versioned), { name: 'SealedObjectError', message: /unsupported format version 7/ });
    await assertRejects(open(kms, Buffer.from('{"not":"sealed"}'), context), SealedObjectError, /not a sealed object/);
    await assertRejects(open(kms, randomBytes(500), context), SealedObjectError);
    assert.throws(() => readSealedHeader(sealed.subarray(0, 10)), SealedObjectError);
  });

  test('out-of-bounds header lengths are rejected without waiting for the claimed bytes', async () => {
    const header = readSealedHeader(sealed);
    const frameSizeOffset = layout(sealed).headerLength - 32 - 4;
    assert.equal(sealed.readUInt32BE(frameSizeOffset), header.frameSize);
    for (const frameSize of [0, MAX_FRAME_SIZE + 1, 0xffffffff]) {
      const bad = Buffer.from(sealed);
      bad.writeUInt32BE(frameSize, frameSizeOffset);
      await assertRejects(open(kms, bad, context), SealedObjectError, /frame size/);
    }
    const noKeyId = Buffer.from(sealed);
    noKeyId.writeUInt16BE(0, 5);
    await assertRejects(open(kms, noKeyId.subarray(0, 7), context), SealedObjectError, /key id length 0/);
    const hugeKeyId = Buffer.from(sealed);
    hugeKeyId.writeUInt16BE(0xffff, 5);
    await assertRejects(open(kms, hugeKeyId.subarray(0, 7), context), SealedObjectError, /key id length 65535/);
  });

  test('a final frame claiming more than the frame size is rejected', async () => {
    const { frames } = layout(sealed);
    const last = frames[frames.length - 1];
    const bad = Buffer.from(sealed);
    bad.writeUInt32BE(SMALL_FRAME + 1, last.start + 1);
    await assertRejects(open(kms, bad, context), SealedObjectError, /claims 17 bytes, more than the frame size 16/);
  });
});

describe('sealed object format versions and rewrapping', () => {
  test('after a rotation the data key is rewrapped under the newest key version; the frames stay as they were', async () => {
    const { kms: embedded, close } = await makeTestKms();
    try {
      const key = await embedded.createKey({ description: 'rewrap' });
      const plaintext = randomBytes(200);
      const sealed = await seal(embedded, plaintext, { context, keyId: key.arn, frameSize: SMALL_FRAME });
      assert.equal(await embedded.rotateKey(key.arn), 2);
      const header = readSealedHeader(sealed);
      const frames = sealed.subarray(layout(sealed).headerLength);
      const rewrapped = Buffer.concat([await rewrapSealedHeader(embedded, header), frames]);
      const after = readSealedHeader(rewrapped);
      assert.equal(after.keyId, key.arn);
      // The embedded KMS's ciphertext names its key version at bytes 17..20.
      assert.deepEqual([header.wrappedDataKey.readUInt32BE(17), after.wrappedDataKey.readUInt32BE(17)], [1, 2]);
      assert.deepEqual({ ...after, wrappedDataKey: undefined }, { ...header, wrappedDataKey: undefined });
      assert.deepEqual(await open(embedded, rewrapped, context), plaintext);
      assert.deepEqual(await open(embedded, sealed, context), plaintext); // the old wrapping still opens until material is destroyed

      await embedded.disableKey(key.arn);
      await assert.rejects(rewrapSealedHeader(embedded, after), { name: 'DisabledException' });
    } finally {
      await close();
    }
  });

  test("a header whose wrapped data key was swapped for another object's is refused by the key commitment", async () => {
    const [a, b] = [await seal(kms, randomBytes(100), { context }), await seal(kms, randomBytes(100), { context })];
    const swapped = encodeSealedHeader({ ...readSealedHeader(a), context, wrappedDataKey: readSealedHeader(b).wrappedDataKey });
    await assertRejects(open(kms, Buffer.concat([swapped, a.subarray(layout(a).headerLength)]), context), SealedObjectError, /key commitment mismatch/);
  });

  test('a version 1 object (written before rewrapping existed) still opens, is still checked, and is not rewrapped', async () => {
    const plaintext = randomBytes(300);
    const sealed = await sealVersion1(plaintext);
    const header = readSealedHeader(sealed);
    assert.equal(header.version, 1);
    assert.equal(header.context, undefined);
    assert.deepEqual(await open(kms, sealed, context), plaintext);
    await assertRejects(open(kms, sealed, { ...context, object: 'other' }), KmsError);
    for (const offset of [5 + 2 + 3, sealed.length - 20, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[offset] ^= 0x40;
      await assertRejects(open(kms, tampered, context), 'either');
    }
    await assert.rejects(rewrapSealedHeader(kms, header), { name: 'SealedObjectError', message: /format version 1 cannot be rewrapped/ });
  });
});

/**
 * A format-1 object built from that format's description (one final frame, AAD = SHA-256(whole header) ‖
 * context digest ‖ index ‖ final flag), so that the reader's compatibility is checked against the spec.
 */
async function sealVersion1(plaintext: Buffer): Promise<Buffer> {
  assert.ok(plaintext.length <= 1024);
  const dataKey = await kms.generateDataKey(undefined, context);
  const messageId = randomBytes(32);
  const noncePrefix = randomBytes(4);
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', dataKey.plaintext, messageId, Buffer.from(info), 32));
  const contentKey = derive('vigil sealed object v1 content key');
  const uint = (bytes: number, value: number) => {
    const out = Buffer.alloc(bytes);
    out.writeUIntBE(value, 0, bytes);
    return out;
  };
  const keyId = Buffer.from(dataKey.keyId);
  const header = Buffer.concat([
    Buffer.of(0x89, 0x56, 0x53, 0x4f, 1),
    uint(2, keyId.length),
    keyId,
    uint(2, dataKey.ciphertextBlob.length),
    dataKey.ciphertextBlob,
    messageId,
    noncePrefix,
    uint(4, 1024),
    derive('vigil sealed object v1 commitment'),
  ]);
  const cipher = createCipheriv('aes-256-gcm', contentKey, Buffer.concat([noncePrefix, Buffer.alloc(8)]));
  cipher.setAAD(Buffer.concat([createHash('sha256').update(header).digest(), contextDigest(context), Buffer.alloc(8), Buffer.of(1)]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, Buffer.of(1), uint(4, plaintext.length), body, cipher.getAuthTag()]);
}

/** The test KMS with some of its answers replaced. */
function kmsWith(overrides: Partial<Kms>): Kms {
  return {
    defaultKeyId: kms.defaultKeyId,
    generateDataKey: (keyId, ctx) => kms.generateDataKey(keyId, ctx),
    decryptDataKey: (blob, ctx) => kms.decryptDataKey(blob, ctx),
    reEncryptDataKey: (blob, ctx) => kms.reEncryptDataKey(blob, ctx),
    describeKey: (keyId) => kms.describeKey(keyId),
    ...overrides,
  };
}

describe('sealed object ranged opening', () => {
  /** Opens only the frames sealedRangeOf names, fed after the header, and cuts the range out of them. */
  async function openRange(sealed: Buffer, plaintextSize: number, start: number, end: number, openContext = context): Promise<Buffer> {
    const parsed = parseSealedHeader(sealed);
    assert.ok('header' in parsed);
    const plan = sealedRangeOf(parsed.length, parsed.header.frameSize, plaintextSize, start, end);
    const opener = createOpenStream(kms, openContext, plan.frames);
    opener.end(Buffer.concat([sealed.subarray(0, parsed.length), sealed.subarray(plan.sealedFirst, plan.sealedLast + 1)]));
    return (await collect(opener)).subarray(plan.skip, plan.skip + end - start + 1);
  }

  test('every range of objects of every size around the frame size opens to exactly its plaintext', async () => {
    for (const frameSize of [1, 3, SMALL_FRAME]) {
      for (const size of [1, 2, frameSize, frameSize + 1, 2 * frameSize, 3 * frameSize - 1, 40]) {
        const plaintext = randomBytes(size);
        const sealed = await seal(kms, plaintext, { context, frameSize });
        for (let start = 0; start < size; start += 1 + (start % 3)) {
          for (let end = start; end < size; end += 1 + (end % 5)) {
            assert.deepEqual(await openRange(sealed, size, start, end), plaintext.subarray(start, end + 1), `frame ${frameSize}, size ${size}, bytes ${start}-${end}`);
          }
        }
      }
    }
  });

  test('a size that is not the sealed one fails on the final flag or on authentication, never with other bytes', async () => {
    const plaintext = randomBytes(3 * SMALL_FRAME + 5);
    const sealed = await seal(kms, plaintext, { context, frameSize: SMALL_FRAME });
    // Recorded as longer: the real final frame is not where the size puts it, or is missing.
    await assert.rejects(openRange(sealed, plaintext.length + SMALL_FRAME, 3 * SMALL_FRAME, 3 * SMALL_FRAME + 1), SealedObjectError);
    // Longer within the final frame: that frame opens as sealed, so fewer bytes come out (getRange refuses the shortfall).
    assert.deepEqual(await openRange(sealed, plaintext.length + 1, 3 * SMALL_FRAME, 3 * SMALL_FRAME + 5), plaintext.subarray(3 * SMALL_FRAME));
    // Recorded as shorter: a regular frame is offered as the final one.
    await assert.rejects(openRange(sealed, 2 * SMALL_FRAME, SMALL_FRAME, SMALL_FRAME + 1), SealedObjectError);
    // Frames of another place in the object (the plan shifted by one frame) fail authentication.
    const parsed = parseSealedHeader(sealed);
    assert.ok('header' in parsed);
    const plan = sealedRangeOf(parsed.length, SMALL_FRAME, plaintext.length, 0, 0);
    const opener = createOpenStream(kms, context, plan.frames);
    opener.end(Buffer.concat([sealed.subarray(0, parsed.length), sealed.subarray(plan.sealedFirst + SMALL_FRAME + 17, plan.sealedLast + SMALL_FRAME + 18)]));
    await assert.rejects(collect(opener), /frame 0 failed authentication/);
    await assert.rejects(openRange(sealed, plaintext.length, 0, 5, { ...context, project: 'other' }), /encryption context mismatch/);
    assert.throws(() => sealedRangeOf(parsed.length, SMALL_FRAME, plaintext.length, 5, plaintext.length), RangeError);
    assert.throws(() => sealedRangeOf(parsed.length, SMALL_FRAME, plaintext.length, 6, 5), RangeError);
    assert.throws(() => sealedRangeOf(parsed.length, SMALL_FRAME, 0, 0, 0), RangeError);
  });
});

describe('sealed object with a customer key (SSE-C)', () => {
  const customerKey = randomBytes(32);

  test('opens with the KMS and the customer key together, whole or by frames; never with the KMS alone', async () => {
    const plaintext = randomBytes(5 * SMALL_FRAME + 3);
    const sealed = await seal(kms, plaintext, { context, frameSize: SMALL_FRAME, customerKey: Buffer.from(customerKey) });
    assert.deepEqual(await open(kms, sealed, context, customerKey), plaintext);
    // Frames 2..3 alone, as a ranged read opens them.
    const parsed = parseSealedHeader(sealed);
    assert.ok('header' in parsed);
    const plan = sealedRangeOf(parsed.length, SMALL_FRAME, plaintext.length, 2 * SMALL_FRAME, 4 * SMALL_FRAME - 1);
    const opener = createOpenStream(kms, context, plan.frames, customerKey);
    opener.end(Buffer.concat([sealed.subarray(0, parsed.length), sealed.subarray(plan.sealedFirst, plan.sealedLast + 1)]));
    assert.deepEqual(await collect(opener), plaintext.subarray(2 * SMALL_FRAME, 4 * SMALL_FRAME));
    // Without the key, with another, or with one flipped bit: refused at the key commitment, before any frame.
    const flipped = Buffer.from(customerKey);
    flipped[31] ^= 1;
    for (const wrong of [undefined, randomBytes(32), flipped]) {
      const stream = createOpenStream(kms, context, undefined, wrong);
      const emitted: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => emitted.push(chunk));
      stream.end(sealed);
      await assert.rejects(new Promise((resolve, reject) => stream.on('end', resolve).on('error', reject)), /key commitment mismatch/);
      assert.equal(emitted.length, 0);
    }
  });

  test('an object sealed without a customer key does not open with one; a key of another length is refused', async () => {
    const sealed = await seal(kms, Buffer.from('plain'), { context });
    await assert.rejects(open(kms, sealed, context, customerKey), /key commitment mismatch/);
    await assert.rejects(seal(kms, Buffer.from('x'), { context, customerKey: randomBytes(16) }), RangeError);
  });

  test('a KMS rewrap needs no customer key, and the rewrapped object still needs it', async () => {
    const { kms: embedded, close } = await makeTestKms();
    try {
      const key = await embedded.createKey({ description: 'rewrap with a customer key' });
      const plaintext = randomBytes(100);
      const sealed = await seal(embedded, plaintext, { context, keyId: key.arn, frameSize: SMALL_FRAME, customerKey: Buffer.from(customerKey) });
      await embedded.rotateKey(key.arn);
      const header = readSealedHeader(sealed);
      const rewrapped = Buffer.concat([await rewrapSealedHeader(embedded, header), sealed.subarray(layout(sealed).headerLength)]);
      assert.deepEqual(await open(embedded, rewrapped, context, customerKey), plaintext);
      await assert.rejects(open(embedded, rewrapped, context), /key commitment mismatch/);
    } finally {
      await close();
    }
  });
});
