/* The response headers of an object (GET/HEAD, and what a write answers); the request side is writeHeaders.ts. */
import type { FastifyReply } from 'fastify';
import type { ObjectInfo } from '../../service/buckets.js';
import { checksumTypeOf } from '../../service/objectChecksums.js';
import type { ChecksumAlgorithm, SseAlgorithm } from '../../store/bucketRecords.js';
import type { S3Call } from './call.js';
import { CHECKSUM_HEADERS } from './checksums.js';
import { customerKeyOf, setCustomerKeyHeaders } from './customerKeyHeaders.js';

/** x-amz-server-side-encryption and the key ARN (for aws:kms), as every object response carries (SSE-C objects carry their own). */
export function setEncryptionHeaders(reply: FastifyReply, encryption: { sseAlgorithm: SseAlgorithm; kmsKeyId: string; customerKeyHash?: string }): void {
  if (encryption.customerKeyHash !== undefined) return;
  reply.header('x-amz-server-side-encryption', encryption.sseAlgorithm);
  if (encryption.sseAlgorithm === 'aws:kms') reply.header('x-amz-server-side-encryption-aws-kms-key-id', encryption.kmsKeyId);
}

/** x-amz-version-id of an object written into a bucket with versioning enabled; the "null" version has none, as on S3. */
export function setVersionHeader(reply: FastifyReply, versionId: string | undefined): void {
  if (versionId !== undefined && versionId !== 'null') reply.header('x-amz-version-id', versionId);
}

/**
 * x-amz-expiration when a lifecycle rule will expire the object: expiry-date (midnight UTC after the rule's days,
 * or its date) and rule-id, as S3 answers PUT, GET and HEAD of a current object.
 */
export async function setExpirationHeader(call: S3Call, info: ObjectInfo): Promise<void> {
  if (call.query.has('versionId')) return;
  const expiration = await call.services.lifecycle.expirationOf(call.bucket!, info);
  if (expiration) call.reply.header('x-amz-expiration', `expiry-date="${expiration.date.toUTCString()}", rule-id="${expiration.ruleId}"`);
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
