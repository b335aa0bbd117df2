import { createHash } from 'node:crypto';

/** What an encrypted object is and where it belongs: a string map, not secret, bound as associated data. */
export type EncryptionContext = Readonly<Record<string, string>>;

/**
 * Canonical bytes of a context: entries sorted by key (code-unit order), each key and value
 * length-prefixed, so that {a:"b,c"} and {a:"b", c:""} can never serialize alike.
 */
export function canonicalContext(context: EncryptionContext): Buffer {
  const parts: Buffer[] = [];
  const keys = Object.keys(context).sort();
  const count = Buffer.alloc(4);
  count.writeUInt32BE(keys.length);
  parts.push(count);
  for (const key of keys) {
    for (const text of [key, context[key]]) {
      if (typeof text !== 'string') throw new TypeError(`encryption context value for ${key} must be a string`);
      const bytes = Buffer.from(text, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      parts.push(length, bytes);
    }
  }
  return Buffer.concat(parts);
}

/** SHA-256 of the canonical context: a fixed-size value to bind into associated data. */
export function contextDigest(context: EncryptionContext): Buffer {
  return createHash('sha256').update(canonicalContext(context)).digest();
}

/** Upper bound of a context's canonical bytes (AWS KMS allows 8 KiB of context). */
export const MAX_CONTEXT_BYTES = 8192;

/**
 * The context that canonicalContext serialized, or undefined when the bytes are not exactly such a
 * serialization (wrong lengths, unsorted or repeated keys, invalid UTF-8, trailing bytes).
 */
export function parseCanonicalContext(bytes: Buffer): EncryptionContext | undefined {
  if (bytes.length < 4) return undefined;
  const count = bytes.readUInt32BE(0);
  let offset = 4;
  const readText = (): string | undefined => {
    if (offset + 4 > bytes.length) return undefined;
    const length = bytes.readUInt32BE(offset);
    if (offset + 4 + length > bytes.length) return undefined;
    const raw = bytes.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    const text = raw.toString('utf8');
    return Buffer.from(text, 'utf8').equals(raw) ? text : undefined;
  };
  const context: Record<string, string> = {};
  let previous: string | undefined;
  for (let i = 0; i < count; i++) {
    const key = readText();
    const value = readText();
    if (key === undefined || value === undefined || (previous !== undefined && !(previous < key))) return undefined;
    // Defined, not assigned: a key named "__proto__" is a key like any other and must read back.
    Object.defineProperty(context, key, { value, enumerable: true, writable: true, configurable: true });
    previous = key;
  }
  return offset === bytes.length ? context : undefined;
}
