import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BucketError } from './bucketErrors.js';

/**
 * SSE-C (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html): the client
 * sends a 256-bit key with every write and read of the object. The key takes part in the object's encryption: its
 * content key is derived from the KMS data key and the customer key together (crypto/frameCipher.ts), so neither
 * Vigil's KMS nor the customer key alone opens it. The key is never stored; only a salted HMAC-SHA256 of it is, as
 * S3 keeps one, to answer a missing or wrong key (400/403) before the KMS is called.
 *
 * Stored form: "keyed:<salt>:<mac>" (both base64) for objects sealed with the key. Objects written before the key
 * took part in the encryption have "<salt>:<mac>": they are sealed under the KMS key only, and the HMAC still guards them.
 */
export interface CustomerKey {
  /** The 32 bytes of the key. */
  key: Buffer;
  /** Base64 MD5 of the key, as the client sent it (answered back). */
  keyMd5: string;
}

const KEYED_PREFIX = 'keyed:';

/** The stored check of a key for an object (or upload) sealed with it: "keyed:<salt>:<HMAC-SHA256 of the key under the salt>". */
export function customerKeyHash(key: CustomerKey): string {
  const salt = randomBytes(16);
  return `${KEYED_PREFIX}${salt.toString('base64')}:${createHmac('sha256', salt).update(key.key).digest('base64')}`;
}

/** Whether the object's data is sealed with its customer key (so reads must pass the key on to the blob store). */
export function isSealedWithCustomerKey(stored: string | undefined): boolean {
  return stored?.startsWith(KEYED_PREFIX) === true;
}

/**
 * A read or a part of an SSE-C object needs its key (400 InvalidRequest without, 403 AccessDenied with another);
 * a customer key on an object that has none is 400 InvalidRequest, as on S3. Returns the key bytes the blob
 * store needs to open (or seal) the object's data: for an object sealed with it, else undefined.
 */
export function assertCustomerKey(stored: string | undefined, given: CustomerKey | undefined): Buffer | undefined {
  if (stored === undefined) {
    if (given) throw new BucketError('InvalidRequest', 'The encryption parameters are not applicable to this object.');
    return undefined;
  }
  if (!given) throw new BucketError('InvalidRequest', 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.');
  const keyed = isSealedWithCustomerKey(stored);
  const [salt, mac] = (keyed ? stored.slice(KEYED_PREFIX.length) : stored).split(':');
  const expected = Buffer.from(mac, 'base64');
  const actual = createHmac('sha256', Buffer.from(salt, 'base64')).update(given.key).digest();
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw new BucketError('AccessDenied', 'Access Denied');
  return keyed ? given.key : undefined;
}
