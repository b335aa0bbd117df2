import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { BucketError } from '../../service/bucketErrors.js';
import type { ObjectInfo } from '../../service/buckets.js';
import type { CustomerKey } from '../../service/customerKeys.js';
import { CHECKSUM_ALGORITHMS, checksumTypeOf } from '../../service/objectChecksums.js';
import type { SseRequest } from '../../service/objectEncryption.js';
import { tagsOfHeader } from '../../service/objectTags.js';
import { assertPrivateCannedAcl, assertPrivateGrantees } from '../../service/publicAccess.js';
import type { ChecksumAlgorithm, ObjectHeaders, SseAlgorithm } from '../../store/bucketRecords.js';
import { wireText } from '../auth/sigv4.js';
import type { S3Call } from './call.js';
import { CHECKSUM_HEADERS } from './checksums.js';
import { S3ProtocolError } from './errors.js';

const GRANT_HEADERS = ['x-amz-grant-read', 'x-amz-grant-write', 'x-amz-grant-read-acp', 'x-amz-grant-write-acp', 'x-amz-grant-full-control'];
/** Request headers of features Vigil does not have: refused rather than silently ignored. */
const UNSUPPORTED_HEADERS = ['x-amz-object-lock-mode', 'x-amz-object-lock-retain-until-date', 'x-amz-object-lock-legal-hold', 'x-amz-bucket-object-lock-enabled', 'x-amz-website-redirect-location'];

/** Refuses public ACL headers (x-amz-acl, x-amz-grant-*) and unsupported features. */
export function checkWriteHeaders(call: S3Call): void {
  for (const name of UNSUPPORTED_HEADERS) {
    if (call.header(name) !== undefined) throw new S3ProtocolError('NotImplemented', `The header ${name} is not supported by this server.`);
  }
  assertPrivateCannedAcl(call.header('x-amz-acl'));
  assertPrivateGrantees(GRANT_HEADERS.map((name) => call.header(name)).filter((v): v is string => v !== undefined));
}

/** Content-* headers and x-amz-meta-* of a new object. aws-chunked is a transfer detail, not stored. */
export function objectHeadersOf(call: S3Call): { headers: ObjectHeaders; metadata: Record<string, string> } {
  // The other codings are kept as written ("deflate, gzip" stays so), only the aws-chunked token goes.
  const encoding = call
    .header('content-encoding')
    ?.split(',')
    .filter((e) => e.trim() !== 'aws-chunked')
    .join(',')
    .trim();
  const headers: ObjectHeaders = {
    contentType: call.header('content-type'),
    contentEncoding: encoding || undefined,
    contentDisposition: call.header('content-disposition'),
    contentLanguage: call.header('content-language'),
    cacheControl: call.header('cache-control'),
    expires: call.header('expires'),
  };
  for (const name of Object.keys(headers) as (keyof ObjectHeaders)[]) if (headers[name] === undefined) delete headers[name];
  const metadata: Record<string, string> = {};
  let size = 0;
  for (const [name, value] of Object.entries(call.request.headers)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    const text = wireText(Array.isArray(value) ? value.join(',') : value);
    metadata[name.slice('x-amz-meta-'.length)] = text;
    size += name.length - 'x-amz-'.length + text.length;
  }
  if (size > 2048) throw new BucketError('InvalidArgument', 'Your metadata headers exceed the maximum allowed metadata size of 2 KB.');
  return { headers, metadata };
}

/** x-amz-server-side-encryption (+ key id) of a write, if given. */
export function sseRequestOf(call: S3Call): SseRequest | undefined {
  const algorithm = call.header('x-amz-server-side-encryption');
  const kmsKeyId = call.header('x-amz-server-side-encryption-aws-kms-key-id');
  if (algorithm === undefined) {
    if (kmsKeyId !== undefined) throw new BucketError('InvalidArgument', 'x-amz-server-side-encryption-aws-kms-key-id requires x-amz-server-side-encryption: aws:kms.');
    return undefined;
  }
  if (algorithm !== 'aws:kms' && algorithm !== 'AES256') {
    if (algorithm === 'aws:kms:dsse') throw new S3ProtocolError('NotImplemented', 'Dual-layer SSE-KMS (aws:kms:dsse) is not supported.');
    throw new BucketError('InvalidArgument', `The encryption method ${algorithm} is not supported; use aws:kms or AES256.`);
  }
  return { algorithm: algorithm as SseAlgorithm, kmsKeyId };
}

export function checksumAlgorithmOf(value: string | undefined): ChecksumAlgorithm | undefined {
  if (value === undefined) return undefined;
  const upper = value.toUpperCase() as ChecksumAlgorithm;
  if (CHECKSUM_ALGORITHMS.includes(upper)) return upper;
  throw new BucketError('InvalidRequest', `Checksum algorithm ${value} is not valid; use CRC32, CRC32C, CRC64NVME, SHA1 or SHA256.`);
}

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

/** x-amz-server-side-encryption and the key ARN (for aws:kms), as every object response carries (SSE-C objects carry their own, above). */
export function setEncryptionHeaders(reply: FastifyReply, encryption: { sseAlgorithm: SseAlgorithm; kmsKeyId: string; customerKeyHash?: string }): void {
  if (encryption.customerKeyHash !== undefined) return;
  reply.header('x-amz-server-side-encryption', encryption.sseAlgorithm);
  if (encryption.sseAlgorithm === 'aws:kms') reply.header('x-amz-server-side-encryption-aws-kms-key-id', encryption.kmsKeyId);
}

/** x-amz-tagging of a new object (a URL query string of tags); none when absent. */
export function tagsOf(call: S3Call): Record<string, string> | undefined {
  const header = call.header('x-amz-tagging');
  return header === undefined ? undefined : tagsOfHeader(header);
}

/** x-amz-version-id of an object written into a bucket with versioning enabled; the "null" version has none, as on S3. */
export function setVersionHeader(reply: FastifyReply, versionId: string | undefined): void {
  if (versionId !== undefined && versionId !== 'null') reply.header('x-amz-version-id', versionId);
}

/** The headers of GET/HEAD Object. Checksums only of the whole object, when the client asked (x-amz-checksum-mode). */
export function setObjectHeaders(call: S3Call, info: ObjectInfo, options: { wholeObject: boolean }): void {
  const reply = call.reply;
  reply.header('etag', `"${info.eTag}"`);
  setVersionHeader(reply, info.versionId);
  const tagCount = Object.keys(info.tags ?? {}).length;
  if (tagCount > 0) reply.header('x-amz-tagging-count', String(tagCount));
  reply.header('last-modified', info.lastModified.toUTCString());
  reply.header('accept-ranges', 'bytes');
  reply.header('content-type', call.query.get('response-content-type') ?? info.contentType);
  const overrides: [keyof ObjectInfo['headers'], string, string][] = [
    ['contentEncoding', 'content-encoding', 'response-content-encoding'],
    ['contentDisposition', 'content-disposition', 'response-content-disposition'],
    ['contentLanguage', 'content-language', 'response-content-language'],
    ['cacheControl', 'cache-control', 'response-cache-control'],
    ['expires', 'expires', 'response-expires'],
  ];
  for (const [field, name, parameter] of overrides) {
    const value = call.query.get(parameter) ?? info.headers[field];
    if (value !== undefined) reply.header(name, value);
  }
  // Characters past latin1 go out as their UTF-8 bytes (a header carries bytes; Node writes a string's as latin1).
  for (const [name, value] of Object.entries(info.metadata)) reply.header(`x-amz-meta-${name}`, [...value].some((c) => c.charCodeAt(0) > 0xff) ? Buffer.from(value, 'utf8').toString('latin1') : value);
  setEncryptionHeaders(reply, info);
  setCustomerKeyHeaders(reply, info.customerKeyHash === undefined ? undefined : customerKeyOf(call));
  if (options.wholeObject && call.header('x-amz-checksum-mode')?.toUpperCase() === 'ENABLED') {
    for (const [algorithm, value] of Object.entries(info.checksums) as [ChecksumAlgorithm, string][]) {
      reply.header(CHECKSUM_HEADERS[algorithm], value);
      reply.header('x-amz-checksum-type', checksumTypeOf(value));
    }
  }
}
