import { createHash } from 'node:crypto';
import { canonicalContext, type EncryptionContext, MAX_CONTEXT_BYTES, parseCanonicalContext } from './encryptionContext.js';
import { SealedObjectError } from './sealedObjectError.js';

/**
 * Header of a sealed object (all integers big-endian). Format version 2, written today:
 *
 *   magic          4   0x89 'V' 'S' 'O' (high first byte: 7-bit mangling or text is caught at once)
 *   version        1   2
 *   keyId          2 + n   ARN of the KMS key, UTF-8, 1..2048 bytes
 *   wrappedDataKey 2 + n   the KMS ciphertext blob, 1..6144 bytes (AWS KMS limits)
 *   context        2 + n   the encryption context, canonical bytes (encryptionContext.ts), ≤ 8192 bytes
 *   messageId      32  random; HKDF salt, so every object has its own content key
 *   noncePrefix    4   random; IV = noncePrefix ‖ frame index
 *   frameSize      4   plaintext bytes per frame, 1..MAX_FRAME_SIZE
 *   commitment     32  HKDF of the data key; binds the object to exactly one key
 *
 * The frames are bound to every field except keyId and wrappedDataKey (see headerBinding), so the data
 * key can be wrapped again (a rotated KMS key, `vigil keys rewrap`) by rewriting only the header; the
 * commitment still ties the header to the one data key that opens the frames. The context is stored
 * (it is not secret, as in AWS) so that such a rewrap can call the KMS without knowing the object.
 *
 * Version 1 (read only) lacks the context field and binds the frames to the whole header.
 * Every length is bounded, so a reader never buffers more than MAX_HEADER_BYTES for a header.
 */
export const SEALED_MAGIC = Buffer.from([0x89, 0x56, 0x53, 0x4f]);
export const SEALED_VERSION = 2;
const LEGACY_VERSION = 1;
export const MESSAGE_ID_BYTES = 32;
export const NONCE_PREFIX_BYTES = 4;
export const COMMITMENT_BYTES = 32;
export const MAX_KEY_ID_BYTES = 2048;
export const MAX_WRAPPED_KEY_BYTES = 6144;
export const MIN_FRAME_SIZE = 1;
/** Readers hold about two frames; this keeps a hostile header from asking for gigabytes. */
export const MAX_FRAME_SIZE = 8 * 1024 * 1024;
export const MAX_HEADER_BYTES = SEALED_MAGIC.length + 1 + 2 + MAX_KEY_ID_BYTES + 2 + MAX_WRAPPED_KEY_BYTES + 2 + MAX_CONTEXT_BYTES + MESSAGE_ID_BYTES + NONCE_PREFIX_BYTES + 4 + COMMITMENT_BYTES;

export interface SealedHeader {
  version: number;
  keyId: string;
  wrappedDataKey: Buffer;
  /** The encryption context the object was sealed with; absent in version 1. */
  context?: EncryptionContext;
  messageId: Buffer;
  noncePrefix: Buffer;
  frameSize: number;
  commitment: Buffer;
}

export type SealedHeaderFields = Omit<SealedHeader, 'version' | 'context'> & { context: EncryptionContext };

/** A complete header and its encoded length, or the total number of bytes needed before parsing can go on. */
export type HeaderParse = { header: SealedHeader; length: number } | { needed: number };

export function encodeSealedHeader(fields: SealedHeaderFields): Buffer {
  const keyId = Buffer.from(fields.keyId, 'utf8');
  const context = canonicalContext(fields.context);
  checkRange('key id length', keyId.length, 1, MAX_KEY_ID_BYTES, RangeError);
  checkRange('wrapped data key length', fields.wrappedDataKey.length, 1, MAX_WRAPPED_KEY_BYTES, RangeError);
  checkRange('encryption context length', context.length, 4, MAX_CONTEXT_BYTES, RangeError);
  checkRange('frame size', fields.frameSize, MIN_FRAME_SIZE, MAX_FRAME_SIZE, RangeError);
  checkExact('message id', fields.messageId, MESSAGE_ID_BYTES);
  checkExact('nonce prefix', fields.noncePrefix, NONCE_PREFIX_BYTES);
  checkExact('commitment', fields.commitment, COMMITMENT_BYTES);
  return Buffer.concat([
    SEALED_MAGIC,
    Buffer.of(SEALED_VERSION),
    uint16(keyId.length),
    keyId,
    uint16(fields.wrappedDataKey.length),
    fields.wrappedDataKey,
    uint16(context.length),
    context,
    ...boundTail(fields),
  ]);
}

/**
 * The digest every frame's associated data starts with. Version 2: magic, version, context and the
 * fields after it — not the key id and wrapped data key, which a rewrap replaces. Version 1: the whole header.
 */
export function headerBinding(header: SealedHeader, encoded: Buffer): Buffer {
  const hash = createHash('sha256');
  if (header.version === LEGACY_VERSION) return hash.update(encoded).digest();
  hash
    .update(SEALED_MAGIC)
    .update(Buffer.of(header.version))
    .update(canonicalContext(header.context ?? {}));
  for (const part of boundTail(header)) hash.update(part);
  return hash.digest();
}

function boundTail(fields: Pick<SealedHeader, 'messageId' | 'noncePrefix' | 'frameSize' | 'commitment'>): Buffer[] {
  const frameSize = Buffer.alloc(4);
  frameSize.writeUInt32BE(fields.frameSize);
  return [fields.messageId, fields.noncePrefix, frameSize, fields.commitment];
}

/**
 * Parses a header from the start of `bytes` (which may hold more than the header, or less).
 * Fields are checked as soon as they are available, so garbage is rejected without waiting for more input.
 */
export function parseSealedHeader(bytes: Buffer): HeaderParse {
  let offset = 0;
  const take = (n: number): Buffer | undefined => {
    if (offset + n > bytes.length) return undefined;
    const field = Buffer.from(bytes.subarray(offset, offset + n)); // a copy: never pin the caller's chunk
    offset += n;
    return field;
  };
  const needMore = (n: number): HeaderParse => ({ needed: offset + n });

  const available = bytes.subarray(0, SEALED_MAGIC.length);
  if (!available.equals(SEALED_MAGIC.subarray(0, available.length))) throw new SealedObjectError('not a sealed object (bad magic)');
  const magic = take(SEALED_MAGIC.length);
  if (!magic) return needMore(SEALED_MAGIC.length);

  const version = take(1);
  if (!version) return needMore(1);
  if (version[0] !== SEALED_VERSION && version[0] !== LEGACY_VERSION) throw new SealedObjectError(`unsupported format version ${version[0]}`);

  const keyIdLength = take(2);
  if (!keyIdLength) return needMore(2);
  checkRange('key id length', keyIdLength.readUInt16BE(), 1, MAX_KEY_ID_BYTES, SealedObjectError);
  const keyIdBytes = take(keyIdLength.readUInt16BE());
  if (!keyIdBytes) return needMore(keyIdLength.readUInt16BE());
  const keyId = keyIdBytes.toString('utf8');
  if (!Buffer.from(keyId, 'utf8').equals(keyIdBytes)) throw new SealedObjectError('key id is not valid UTF-8');

  const wrappedLength = take(2);
  if (!wrappedLength) return needMore(2);
  checkRange('wrapped data key length', wrappedLength.readUInt16BE(), 1, MAX_WRAPPED_KEY_BYTES, SealedObjectError);
  const wrappedDataKey = take(wrappedLength.readUInt16BE());
  if (!wrappedDataKey) return needMore(wrappedLength.readUInt16BE());

  let context: EncryptionContext | undefined;
  if (version[0] === SEALED_VERSION) {
    const contextLength = take(2);
    if (!contextLength) return needMore(2);
    checkRange('encryption context length', contextLength.readUInt16BE(), 4, MAX_CONTEXT_BYTES, SealedObjectError);
    const contextBytes = take(contextLength.readUInt16BE());
    if (!contextBytes) return needMore(contextLength.readUInt16BE());
    context = parseCanonicalContext(contextBytes);
    if (!context) throw new SealedObjectError('encryption context is malformed');
  }

  const messageId = take(MESSAGE_ID_BYTES);
  if (!messageId) return needMore(MESSAGE_ID_BYTES);
  const noncePrefix = take(NONCE_PREFIX_BYTES);
  if (!noncePrefix) return needMore(NONCE_PREFIX_BYTES);
  const frameSizeBytes = take(4);
  if (!frameSizeBytes) return needMore(4);
  const frameSize = frameSizeBytes.readUInt32BE();
  checkRange('frame size', frameSize, MIN_FRAME_SIZE, MAX_FRAME_SIZE, SealedObjectError);
  const commitment = take(COMMITMENT_BYTES);
  if (!commitment) return needMore(COMMITMENT_BYTES);

  return {
    header: { version: version[0], keyId, wrappedDataKey, context, messageId, noncePrefix, frameSize, commitment },
    length: offset,
  };
}

function uint16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value);
  return bytes;
}

function checkRange(what: string, value: number, min: number, max: number, ErrorClass: new (message: string) => Error): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new ErrorClass(`${what} ${value} is outside ${min}..${max}`);
}

function checkExact(what: string, value: Buffer, length: number): void {
  if (value.length !== length) throw new RangeError(`${what} must be ${length} bytes, got ${value.length}`);
}
