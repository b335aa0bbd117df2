/*
 * SSE-C (customer-provided keys): the key a request carries, for the object or a copy's source, and the
 * headers that answer with its MD5. Read by GET/HEAD and by every write, so not part of one write's schema.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { BucketError } from '../../service/bucketErrors.js';
import type { CustomerKey } from '../../service/customerKeys.js';
import type { S3Call } from './call.js';

/**
 * SSE-C: x-amz-server-side-encryption-customer-algorithm (AES256), -key (base64 of 256 bits) and -key-MD5, or the
 * x-amz-copy-source-… ones of a copy's source; InvalidArgument (or InvalidEncryptionAlgorithmError) when incomplete or inconsistent.
 */
export function customerKeyOf(call: S3Call, of: 'object' | 'copy-source' = 'object'): CustomerKey | undefined {
  const prefix = of === 'object' ? 'x-amz-server-side-encryption-customer-' : 'x-amz-copy-source-server-side-encryption-customer-';
  const algorithm = call.header(`${prefix}algorithm`);
  const key = call.header(`${prefix}key`);
  const keyMd5 = call.header(`${prefix}key-md5`);
  if (algorithm === undefined && key === undefined && keyMd5 === undefined) return undefined;
  const refused = (message: string) => new BucketError('InvalidArgument', `Requests specifying Server Side Encryption with Customer provided keys must provide ${message}.`);
  if (algorithm === undefined) throw refused('a valid encryption algorithm');
  if (algorithm !== 'AES256') throw new BucketError('InvalidEncryptionAlgorithmError', 'The encryption request you specified is not valid. The valid value is AES256.');
  if (key === undefined) throw refused('an appropriate secret key');
  const bytes = Buffer.from(key, 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== key) throw new BucketError('InvalidArgument', 'The secret key was invalid for the specified algorithm.');
  if (keyMd5 === undefined) throw refused('the client calculated MD5 of the secret key');
  if (createHash('md5').update(bytes).digest('base64') !== keyMd5) throw new BucketError('InvalidArgument', 'The calculated MD5 hash of the key did not match the hash that was provided.');
  if (of === 'object' && call.header('x-amz-server-side-encryption') !== undefined) {
    throw new BucketError('InvalidArgument', 'Server Side Encryption with Customer provided key is incompatible with the encryption method specified');
  }
  return { key: bytes, keyMd5 };
}

/** The SSE-C headers of a response about an object written with a customer key: the algorithm and the key's MD5, never the key. */
export function setCustomerKeyHeaders(reply: FastifyReply, key: CustomerKey | undefined): void {
  if (!key) return;
  reply.header('x-amz-server-side-encryption-customer-algorithm', 'AES256').header('x-amz-server-side-encryption-customer-key-md5', key.keyMd5);
}
