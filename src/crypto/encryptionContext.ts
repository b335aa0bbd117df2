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
