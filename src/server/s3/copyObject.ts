import { Type } from '@sinclair/typebox';
import { BucketError } from '../../service/bucketErrors.js';
import type { Buckets } from '../../service/buckets.js';
import type { CustomerKey } from '../../service/customerKeys.js';
import { customerKeyOf, setCustomerKeyHeaders } from './customerKeyHeaders.js';
import { S3ProtocolError } from './errors.js';
import { CopySource, HeaderText, inHeader, objectOperation } from './members.js';
import { setEncryptionHeaders, setExpirationHeader, setVersionHeader } from './objectHeaders.js';
import { assertPrivateAclHeaders, ObjectWriteHeaders, objectHeadersOf, sseRequestOf, tagsOf } from './writeHeaders.js';
import { sendXml, xmlDate } from './xml.js';

/** x-amz-copy-source-if-*: conditions on the source, each failing with 412 PreconditionFailed. */
export const CopySourceConditions = {
  ifMatch: HeaderText('x-amz-copy-source-if-match'),
  ifNoneMatch: HeaderText('x-amz-copy-source-if-none-match'),
  ifModifiedSince: HeaderText('x-amz-copy-source-if-modified-since'),
  ifUnmodifiedSince: HeaderText('x-amz-copy-source-if-unmodified-since'),
};
type Conditions = Partial<Record<keyof typeof CopySourceConditions, string>>;

/**
 * As S3 evaluates them (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html): if-match true and
 * if-unmodified-since false copies; if-none-match false and if-modified-since true fails; otherwise each must hold.
 */
export async function checkCopySourceConditions(buckets: Buckets, source: { bucket: string; key: string; versionId?: string }, conditions: Conditions, sourceCustomerKey?: CustomerKey): Promise<void> {
  if (Object.values(conditions).every((value) => value === undefined)) return;
  const info = await buckets.headObject(source.bucket, source.key, source.versionId, sourceCustomerKey);
  const eTag = `"${info.eTag}"`;
  const matches = (header: string) => header.split(',').some((tag) => tag.trim() === '*' || tag.trim().replace(/^W\//, '') === eTag || tag.trim() === info.eTag);
  const seconds = Math.floor(info.lastModified.getTime() / 1000);
  const since = (header: string | undefined) => {
    const time = header === undefined ? Number.NaN : Date.parse(header);
    return Number.isNaN(time) ? undefined : Math.floor(time / 1000);
  };
  const modifiedSince = since(conditions.ifModifiedSince);
  const unmodifiedSince = since(conditions.ifUnmodifiedSince);
  let holds: boolean;
  if (conditions.ifMatch !== undefined) holds = matches(conditions.ifMatch);
  else holds = unmodifiedSince === undefined || seconds <= unmodifiedSince;
  if (holds && conditions.ifNoneMatch !== undefined) holds = !matches(conditions.ifNoneMatch);
  else if (holds && modifiedSince !== undefined && conditions.ifNoneMatch === undefined) holds = seconds > modifiedSince;
  if (!holds) throw new S3ProtocolError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
}

/** PUT /bucket/key with x-amz-copy-source: the source is decrypted and sealed again under the destination's context. */
export const CopyObjectInput = Type.Object({
  copySource: CopySource(),
  ...CopySourceConditions,
  metadataDirective: Type.Optional(Type.Unsafe<'COPY' | 'REPLACE'>(Type.RegExp(/^(COPY|REPLACE)$/, { message: 'Unknown metadata directive.', ...inHeader('x-amz-metadata-directive') }))),
  taggingDirective: Type.Optional(Type.Unsafe<'COPY' | 'REPLACE'>(Type.RegExp(/^(COPY|REPLACE)$/, { message: 'Unknown tagging directive.', ...inHeader('x-amz-tagging-directive') }))),
  ...ObjectWriteHeaders,
});

export const copyObject = objectOperation(CopyObjectInput, async (call) => {
  assertPrivateAclHeaders(call.input);
  const source = copySourceOf(call.input.copySource);
  const sourceCustomerKey = customerKeyOf(call, 'copy-source');
  const customerKey = customerKeyOf(call);
  await checkCopySourceConditions(call.services.buckets, source, call.input, sourceCustomerKey);
  const directive = call.input.metadataDirective ?? 'COPY';
  const { headers, metadata } = objectHeadersOf(call.input);
  const info = await call.services.buckets.copyObject({
    source,
    bucket: call.bucket,
    key: call.key,
    metadataDirective: directive,
    headers,
    metadata,
    sse: sseRequestOf(call.input),
    taggingDirective: call.input.taggingDirective,
    tags: tagsOf(call.input),
    sourceCustomerKey,
    customerKey,
  });
  setEncryptionHeaders(call.reply, info);
  setCustomerKeyHeaders(call.reply, customerKey);
  await setExpirationHeader(call, info);
  setVersionHeader(call.reply, info.versionId);
  if (source.versionId !== undefined) call.reply.header('x-amz-copy-source-version-id', source.versionId);
  return sendXml(call.reply, 'CopyObjectResult', { LastModified: xmlDate(info.lastModified), ETag: `"${info.eTag}"` });
});

/** x-amz-copy-source: "[/]bucket/key[?versionId=…]", percent-encoded. */
export function copySourceOf(header: string): { bucket: string; key: string; versionId?: string } {
  const invalid = new BucketError('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey.');
  const [path, query] = header.split('?', 2);
  const trimmed = path.startsWith('/') ? path.slice(1) : path;
  const slash = trimmed.indexOf('/');
  if (slash <= 0 || slash === trimmed.length - 1) throw invalid;
  let bucket: string;
  let key: string;
  try {
    bucket = decodeURIComponent(trimmed.slice(0, slash));
    key = decodeURIComponent(trimmed.slice(slash + 1));
  } catch {
    throw invalid;
  }
  const versionId = query ? (new URLSearchParams(query).get('versionId') ?? undefined) : undefined;
  return { bucket, key, versionId };
}
