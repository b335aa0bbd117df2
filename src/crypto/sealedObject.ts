import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ByteQueue } from '../util/byteQueue.js';
import { GCM_TAG_BYTES } from './aesGcm.js';
import { canonicalContext, type EncryptionContext } from './encryptionContext.js';
import { deriveKeysThenZero, FrameCipher } from './frameCipher.js';
import type { Kms } from './kms.js';
import { SealedObjectError } from './sealedObjectError.js';
import {
  encodeSealedHeader,
  headerBinding,
  MAX_FRAME_SIZE,
  MAX_HEADER_BYTES,
  MESSAGE_ID_BYTES,
  MIN_FRAME_SIZE,
  NONCE_PREFIX_BYTES,
  parseSealedHeader,
  SEALED_VERSION,
  type SealedHeader,
} from './sealedObjectHeader.js';

export { SealedObjectError } from './sealedObjectError.js';
export type { SealedHeader } from './sealedObjectHeader.js';

/**
 * A sealed object is a header (see sealedObjectHeader.ts) followed by frames:
 *
 *   regular frame: 0x00 ‖ ciphertext (exactly frameSize bytes) ‖ tag (16)
 *   final frame:   0x01 ‖ plaintext length (4, ≤ frameSize) ‖ ciphertext ‖ tag (16)
 *
 * Each frame is AES-256-GCM under a per-object content key, IV = nonce prefix ‖ frame index (8 bytes), and
 * associated data = headerBinding (a SHA-256 of the header without its wrapped data key) ‖ contextDigest(context)
 * ‖ frame index (8) ‖ final flag (1). The index stops reordering, duplication and splicing; the final flag
 * stops truncation at a frame boundary; the header binding ties every frame to this header (message id,
 * frame size, ...); the context digest binds the frames to the context even if a key service ignored it.
 * There is exactly one final frame, always.
 *
 * Streams emit a frame's plaintext only once its tag verified, but a damaged object still fails only
 * where the damage is: consumers of createOpenStream must treat what they received as unusable unless the
 * stream ended without error (open() below does that for whole buffers).
 */

export const DEFAULT_FRAME_SIZE = 64 * 1024;

export interface SealOptions {
  /** KMS key to wrap the data key under; the service's default key when absent. */
  keyId?: string;
  /** Bound to the wrapped data key and to every frame; the same context must be given to open. */
  context: EncryptionContext;
  /** Plaintext bytes per frame (default 64 KiB). Memory use of both streams is about two frames. */
  frameSize?: number;
  /**
   * SSE-C: a 32-byte key of the client's, mixed with the data key into the content key (deriveKeysThenZero).
   * It is stored nowhere; the same key must be given to open.
   */
  customerKey?: Buffer;
}

const FRAME_REGULAR = 0x00;
const FRAME_FINAL = 0x01;
const FINAL_PREFIX_BYTES = 5;

/** Streams plaintext in, a sealed object out. The data key is generated (one KMS call) before this resolves. */
export async function createSealStream(kms: Kms, options: SealOptions): Promise<Transform> {
  const frameSize = options.frameSize ?? DEFAULT_FRAME_SIZE;
  if (!Number.isInteger(frameSize) || frameSize < MIN_FRAME_SIZE || frameSize > MAX_FRAME_SIZE) {
    throw new RangeError(`frame size ${frameSize} is outside ${MIN_FRAME_SIZE}..${MAX_FRAME_SIZE}`);
  }
  const dataKey = await kms.generateDataKey(options.keyId, options.context);
  const messageId = randomBytes(MESSAGE_ID_BYTES);
  const noncePrefix = randomBytes(NONCE_PREFIX_BYTES);
  const keys = deriveKeysThenZero(dataKey.plaintext, messageId, options.customerKey);
  try {
    const fields = {
      keyId: dataKey.keyId,
      wrappedDataKey: dataKey.ciphertextBlob,
      messageId,
      context: options.context,
      noncePrefix,
      frameSize,
      commitment: keys.commitment,
    };
    const header = encodeSealedHeader(fields);
    const binding = headerBinding({ version: SEALED_VERSION, ...fields }, header);
    return new SealTransform(header, new FrameCipher(keys.contentKey, noncePrefix, binding, options.context), frameSize);
  } catch (error) {
    keys.contentKey.fill(0);
    throw error;
  }
}

/**
 * Streams a sealed object in, its plaintext out. The KMS is called once the header has arrived. An object
 * sealed with a customer key opens only with that key (a missing or wrong one: key commitment mismatch).
 */
export function createOpenStream(kms: Kms, context: EncryptionContext, span?: FrameSpan, customerKey?: Buffer): Transform {
  return new OpenTransform(kms, context, span, customerKey);
}

/**
 * Frames first..last of an object, for a ranged read: the opener is given the header and then only
 * these frames, and it checks that the last one is the object's final frame exactly when lastIsFinal
 * (the final flag is authenticated, so a store cannot make the object end early or late unnoticed).
 */
export interface FrameSpan {
  first: number;
  last: number;
  lastIsFinal: boolean;
}

/** Where plaintext bytes start..end lie in a sealed object (see sealedRangeOf). */
export interface SealedRange {
  frames: FrameSpan;
  /** The sealed bytes of those frames, inclusive offsets from the start of the object. */
  sealedFirst: number;
  sealedLast: number;
  /** Plaintext bytes of the first frame before start. */
  skip: number;
}

/**
 * The frames that hold plaintext bytes start..end (inclusive) of an object of plaintextSize bytes,
 * and where they lie after its header of headerLength bytes. Every frame before the final one holds
 * exactly frameSize bytes, so the positions follow from the sizes alone.
 */
export function sealedRangeOf(headerLength: number, frameSize: number, plaintextSize: number, start: number, end: number): SealedRange {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end >= plaintextSize) {
    throw new RangeError(`bytes ${start}-${end} are not within an object of ${plaintextSize} bytes`);
  }
  const regularFrame = 1 + frameSize + GCM_TAG_BYTES;
  const finalIndex = Math.ceil(plaintextSize / frameSize) - 1;
  const first = Math.floor(start / frameSize);
  const last = Math.floor(end / frameSize);
  const lastIsFinal = last === finalIndex;
  const lastLength = lastIsFinal ? FINAL_PREFIX_BYTES + (plaintextSize - finalIndex * frameSize) + GCM_TAG_BYTES : regularFrame;
  return {
    frames: { first, last, lastIsFinal },
    sealedFirst: headerLength + first * regularFrame,
    sealedLast: headerLength + last * regularFrame + lastLength - 1,
    skip: start - first * frameSize,
  };
}

/** Seals a whole buffer. */
export async function seal(kms: Kms, plaintext: Uint8Array, options: SealOptions): Promise<Buffer> {
  return runThrough(await createSealStream(kms, options), plaintext);
}

/** Opens a whole sealed buffer; throws (and returns nothing) unless every byte of it verifies. */
export async function open(kms: Kms, sealed: Uint8Array, context: EncryptionContext, customerKey?: Buffer): Promise<Buffer> {
  return runThrough(createOpenStream(kms, context, undefined, customerKey), sealed);
}

/** The header of a sealed object, without any KMS call: for diagnostics such as which key protects it. */
export function readSealedHeader(sealed: Uint8Array): SealedHeader {
  const parsed = parseSealedHeader(Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength));
  if ('needed' in parsed) throw new SealedObjectError('sealed object truncated (incomplete header)');
  return parsed.header;
}

/**
 * The header of a sealed object with its data key wrapped again under the newest version of its KMS key
 * (KMS ReEncrypt under the context stored in the header). The frames that follow stay valid unchanged;
 * version 1 objects cannot be rewrapped this way (SealedObjectError).
 */
export async function rewrapSealedHeader(kms: Kms, header: SealedHeader): Promise<Buffer> {
  if (header.context === undefined) throw new SealedObjectError(`format version ${header.version} cannot be rewrapped`);
  // The header's key ARN lets an external KMS ReEncrypt in one call (its ciphertexts name their key only inside it).
  const rewrapped = await kms.reEncryptDataKey(header.wrappedDataKey, header.context, header.keyId);
  if (rewrapped.keyId !== header.keyId) throw new SealedObjectError(`key id mismatch: the header names ${header.keyId}, the KMS rewrapped under ${rewrapped.keyId}`);
  return encodeSealedHeader({ ...header, context: header.context, wrappedDataKey: rewrapped.ciphertextBlob });
}

async function runThrough(stream: Transform, input: Uint8Array): Promise<Buffer> {
  stream.end(input);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

class SealTransform extends Transform {
  /** The frame being filled. A full frame is sealed only when more input arrives (then it is not final) or at end. */
  private readonly pending: Buffer;
  private filled = 0;
  /** A whole frame held by reference instead of copied into `pending` (writers never change a chunk after write). */
  private held: Buffer | undefined;
  private index = 0;

  constructor(
    header: Buffer,
    private readonly frames: FrameCipher,
    private readonly frameSize: number,
  ) {
    super();
    this.pending = Buffer.alloc(frameSize);
    this.push(header);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      let offset = 0;
      while (offset < chunk.length) {
        if (this.held) {
          this.pushFrame(this.held, false);
          this.held = undefined;
        }
        if (this.filled === this.frameSize) {
          this.pushFrame(this.pending, false);
          this.filled = 0;
        }
        if (this.filled === 0 && chunk.length - offset >= this.frameSize) {
          // A whole frame: seal it straight from the chunk, or hold it until we know whether it is the last.
          const frame = chunk.subarray(offset, offset + this.frameSize);
          offset += this.frameSize;
          if (offset < chunk.length) this.pushFrame(frame, false);
          else this.held = frame;
          continue;
        }
        const copied = chunk.copy(this.pending, this.filled, offset, offset + this.frameSize - this.filled);
        this.filled += copied;
        offset += copied;
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.pushFrame(this.held ?? this.pending.subarray(0, this.filled), true);
      this.frames.destroy();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.frames.destroy();
    this.pending.fill(0);
    this.held = undefined;
    callback(error);
  }

  private pushFrame(plaintext: Buffer, final: boolean): void {
    const { ciphertext, tag } = this.frames.seal(this.index, final, plaintext);
    let prefix: Buffer;
    if (final) {
      prefix = Buffer.alloc(FINAL_PREFIX_BYTES);
      prefix[0] = FRAME_FINAL;
      prefix.writeUInt32BE(plaintext.length, 1);
    } else {
      prefix = Buffer.of(FRAME_REGULAR);
    }
    this.push(Buffer.concat([prefix, ciphertext, tag]));
    this.index += 1;
  }
}

class OpenTransform extends Transform {
  private readonly input = new ByteQueue();
  private state: 'header' | 'frames' | 'done' = 'header';
  private headerNeeded = 1;
  private frameSize = 0;
  private frames: FrameCipher | undefined;
  private index: number;

  constructor(
    private readonly kms: Kms,
    private readonly context: EncryptionContext,
    /** Only these frames follow the header (a ranged read); all of them when absent. */
    private readonly span?: FrameSpan,
    /** SSE-C: the client's key, when the object was sealed with one. */
    private readonly customerKey?: Buffer,
  ) {
    super();
    this.index = span?.first ?? 0;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.input.push(chunk);
    this.process().then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    if (this.state === 'header') callback(new SealedObjectError('sealed object truncated (incomplete header)'));
    else if (this.state === 'frames') callback(new SealedObjectError(`sealed object truncated (no final frame after ${this.index} frames)`));
    else callback();
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.frames?.destroy();
    callback(error);
  }

  private async process(): Promise<void> {
    if (this.state === 'header') {
      if (this.input.length < this.headerNeeded) return;
      const parsed = parseSealedHeader(this.input.peek(Math.min(this.input.length, MAX_HEADER_BYTES)));
      if ('needed' in parsed) {
        this.headerNeeded = parsed.needed;
        return;
      }
      const headerBytes = Buffer.from(this.input.peek(parsed.length));
      this.input.skip(parsed.length);
      const frames = await this.unlock(parsed.header, headerBytes);
      if (this.destroyed) return frames.destroy(); // the consumer gave up while the KMS answered
      this.frames = frames;
      this.frameSize = parsed.header.frameSize;
      this.state = 'frames';
    }
    while (this.state === 'frames' && this.openFrame());
    if (this.state === 'done' && this.input.length > 0) throw new SealedObjectError('unexpected bytes after the final frame');
  }

  /** Unwraps the data key and checks the commitment before any frame is decrypted. */
  private async unlock(header: SealedHeader, headerBytes: Buffer): Promise<FrameCipher> {
    if (header.context !== undefined && !canonicalContext(header.context).equals(canonicalContext(this.context))) {
      throw new SealedObjectError('encryption context mismatch: the object was sealed with another context');
    }
    const dataKey = await this.kms.decryptDataKey(header.wrappedDataKey, this.context);
    const keys = deriveKeysThenZero(dataKey.plaintext, header.messageId, this.customerKey);
    if (!timingSafeEqual(keys.commitment, header.commitment)) {
      keys.contentKey.fill(0);
      throw new SealedObjectError('key commitment mismatch');
    }
    if (dataKey.keyId !== header.keyId) {
      keys.contentKey.fill(0);
      throw new SealedObjectError(`key id mismatch: the header names ${header.keyId}, the KMS used ${dataKey.keyId}`);
    }
    return new FrameCipher(keys.contentKey, header.noncePrefix, headerBinding(header, headerBytes), this.context);
  }

  /** Opens the next frame if all of it has arrived; returns whether it did. */
  private openFrame(): boolean {
    if (this.input.length < 1) return false;
    const type = this.input.peek(1)[0];
    let final: boolean;
    let prefixLength: number;
    let length: number;
    if (type === FRAME_REGULAR) {
      [final, prefixLength, length] = [false, 1, this.frameSize];
    } else if (type === FRAME_FINAL) {
      if (this.input.length < FINAL_PREFIX_BYTES) return false;
      [final, prefixLength, length] = [true, FINAL_PREFIX_BYTES, this.input.peek(FINAL_PREFIX_BYTES).readUInt32BE(1)];
      if (length > this.frameSize) throw new SealedObjectError(`frame ${this.index} claims ${length} bytes, more than the frame size ${this.frameSize}`);
      // A sealer makes an empty final frame only for an empty object; anything else is not ours.
      if (length === 0 && this.index > 0) throw new SealedObjectError(`frame ${this.index} is an empty final frame after data`);
    } else {
      throw new SealedObjectError(`frame ${this.index} has unknown type ${type}`);
    }
    if (this.span && final !== (this.span.lastIsFinal && this.index === this.span.last)) {
      throw new SealedObjectError(`frame ${this.index} is ${final ? '' : 'not '}the final frame; the object does not have the size recorded for it`);
    }
    if (this.input.length < prefixLength + length + GCM_TAG_BYTES) return false;
    this.input.skip(prefixLength);
    const body = this.input.peek(length + GCM_TAG_BYTES);
    const plaintext = this.frames!.open(this.index, final, body.subarray(0, length), body.subarray(length));
    this.input.skip(length + GCM_TAG_BYTES);
    if (!plaintext) throw new SealedObjectError(`frame ${this.index} failed authentication`);
    this.push(plaintext);
    this.index += 1;
    if (final || this.index - 1 === this.span?.last) {
      this.frames!.destroy();
      this.state = 'done';
    }
    return true;
  }
}
