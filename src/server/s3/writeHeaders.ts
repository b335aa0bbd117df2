/*
 * The headers of the writes that create an object (PutObject, CopyObject, CreateMultipartUpload), declared
 * once as member groups that each operation spreads into its input schema, so reading and typing come from
 * the same declaration as every other S3 member (members.ts). What a schema does not say (a rule across
 * members, a limit over all metadata, the public-access rules) is checked on the typed input here.
 */
import { type Static, Type } from '@sinclair/typebox';
import { BucketError } from '../../service/bucketErrors.js';
import type { SseRequest } from '../../service/objectEncryption.js';
import { tagsOfHeader } from '../../service/objectTags.js';
import { assertPrivateCannedAcl, assertPrivateGrantees } from '../../service/publicAccess.js';
import type { ObjectHeaders, SseAlgorithm } from '../../store/bucketRecords.js';
import { S3ProtocolError } from './errors.js';
import { HeaderText, inHeader } from './members.js';

/** A header of a feature Vigil does not have: refused with NotImplemented rather than silently ignored. */
const unsupported = (name: string) => Type.Optional(Type.Never({ ...inHeader(name), message: `The header ${name} is not supported by this server.`, s3Error: 'NotImplemented' }));

export const UnsupportedWriteHeaders = {
  objectLockMode: unsupported('x-amz-object-lock-mode'),
  objectLockRetainUntilDate: unsupported('x-amz-object-lock-retain-until-date'),
  objectLockLegalHold: unsupported('x-amz-object-lock-legal-hold'),
  bucketObjectLockEnabled: unsupported('x-amz-bucket-object-lock-enabled'),
  websiteRedirectLocation: unsupported('x-amz-website-redirect-location'),
};

/** x-amz-acl and x-amz-grant-*: accepted only when private (assertPrivateAclHeaders). */
export const AclHeaders = {
  acl: HeaderText('x-amz-acl'),
  grantRead: HeaderText('x-amz-grant-read'),
  grantWrite: HeaderText('x-amz-grant-write'),
  grantReadAcp: HeaderText('x-amz-grant-read-acp'),
  grantWriteAcp: HeaderText('x-amz-grant-write-acp'),
  grantFullControl: HeaderText('x-amz-grant-full-control'),
};
const AclInput = Type.Object(AclHeaders);

/** What every write that may carry ACL or feature headers declares (CreateBucket and Put*Acl too). */
export const WriteRefusalHeaders = { ...UnsupportedWriteHeaders, ...AclHeaders };

/** Content-*, Cache-Control, Expires and x-amz-meta-* (by the name after the prefix): kept with the object. */
export const StoredObjectHeaders = {
  contentType: HeaderText('content-type'),
  contentEncoding: HeaderText('content-encoding'),
  contentDisposition: HeaderText('content-disposition'),
  contentLanguage: HeaderText('content-language'),
  cacheControl: HeaderText('cache-control'),
  expires: HeaderText('expires'),
  metadata: Type.Optional(Type.Record(Type.String(), Type.String(), { in: 'headerPrefix', name: 'x-amz-meta-' })),
};
const StoredInput = Type.Object(StoredObjectHeaders);

/** x-amz-server-side-encryption and its KMS key id (sseRequestOf). */
export const SseHeaders = {
  sse: HeaderText('x-amz-server-side-encryption'),
  sseKmsKeyId: HeaderText('x-amz-server-side-encryption-aws-kms-key-id'),
};
const SseInput = Type.Object(SseHeaders);

/** x-amz-tagging: the new object's tags as a URL query string (tagsOf). */
export const TaggingHeaders = { tagging: HeaderText('x-amz-tagging') };
const TaggingInput = Type.Object(TaggingHeaders);

/** The header group of PutObject, CopyObject and CreateMultipartUpload (SSE-C: customerKeyHeaders.ts). */
export const ObjectWriteHeaders = { ...WriteRefusalHeaders, ...StoredObjectHeaders, ...SseHeaders, ...TaggingHeaders };

/** Refuses a public canned ACL or grant (AccessDenied) and an unknown canned ACL. */
export function assertPrivateAclHeaders(input: Static<typeof AclInput>): void {
  assertPrivateCannedAcl(input.acl);
  const grants = [input.grantRead, input.grantWrite, input.grantReadAcp, input.grantWriteAcp, input.grantFullControl];
  assertPrivateGrantees(grants.filter((grant): grant is string => grant !== undefined));
}

const MAX_METADATA_BYTES = 2048;

/** The headers and metadata a new object keeps. aws-chunked is a transfer detail, not stored. */
export function objectHeadersOf(input: Static<typeof StoredInput>): { headers: ObjectHeaders; metadata: Record<string, string> } {
  // The other codings are kept as written ("deflate, gzip" stays so), only the aws-chunked token goes.
  const encoding = input.contentEncoding
    ?.split(',')
    .filter((e) => e.trim() !== 'aws-chunked')
    .join(',')
    .trim();
  const headers: ObjectHeaders = {
    contentType: input.contentType,
    contentEncoding: encoding || undefined,
    contentDisposition: input.contentDisposition,
    contentLanguage: input.contentLanguage,
    cacheControl: input.cacheControl,
    expires: input.expires,
  };
  for (const name of Object.keys(headers) as (keyof ObjectHeaders)[]) if (headers[name] === undefined) delete headers[name];
  const metadata = input.metadata ?? {};
  // S3 counts each user-defined header as "meta-<name>" and its value.
  const size = Object.entries(metadata).reduce((sum, [name, value]) => sum + 'meta-'.length + name.length + value.length, 0);
  if (size > MAX_METADATA_BYTES) throw new BucketError('InvalidArgument', 'Your metadata headers exceed the maximum allowed metadata size of 2 KB.');
  return { headers, metadata };
}

/** The server-side encryption a write asks for, if any: aws:kms (with an optional key) or AES256. */
export function sseRequestOf(input: Static<typeof SseInput>): SseRequest | undefined {
  const { sse: algorithm, sseKmsKeyId: kmsKeyId } = input;
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

/** The tags of a new object, if x-amz-tagging was given. */
export function tagsOf(input: Static<typeof TaggingInput>): Record<string, string> | undefined {
  return input.tagging === undefined ? undefined : tagsOfHeader(input.tagging);
}
