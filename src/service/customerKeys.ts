import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BucketError } from './bucketErrors.js';

/**
 * SSE-C (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html): the client
 * sends a 256-bit key with every write and read of the object. Vigil seals the object as every other one and keeps
 * only a salted HMAC-SHA256 of the key, as S3 keeps only a salted HMAC, to check that reads present the same key.
 */
export interface CustomerKey {
  /** The 32 bytes of the key. */
  key: Buffer;
  /** Base64 MD5 of the key, as the client sent it (answered back). */
  keyMd5: string;
}

/** "<salt>:<HMAC-SHA256 of the key under the salt>", both base64. */
export function customerKeyHash(key: CustomerKey): string {
  const salt = randomBytes(16);
  return `${salt.toString('base64')}:${createHmac('sha256', salt).update(key.key).digest('base64')}`;
}

/**
 * A read or a part of an SSE-C object needs its key (400 InvalidRequest without, 403 AccessDenied with another);
 * a customer key on an object that has none is 400 InvalidRequest, as on S3.
 */
export function assertCustomerKey(stored: string | undefined, given: CustomerKey | undefined): void {
  if (stored === undefined) {
    if (given) throw new BucketError('InvalidRequest', 'The encryption parameters are not applicable to this object.');
    return;
  }
  if (!given) throw new BucketError('InvalidRequest', 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.');
  const [salt, mac] = stored.split(':');
  const expected = Buffer.from(mac, 'base64');
  const actual = createHmac('sha256', Buffer.from(salt, 'base64')).update(given.key).digest();
  if (!timingSafeEqual(expected, actual)) throw new BucketError('AccessDenied', 'Access Denied');
}
