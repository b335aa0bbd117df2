import { Type } from '@sinclair/typebox';
import { BucketError } from '../../service/bucketErrors.js';
import { S3ProtocolError } from './errors.js';
import { CopySource, inHeader, objectOperation } from './members.js';
import { checkWriteHeaders, objectHeadersOf, setEncryptionHeaders, sseRequestOf } from './objectHeaders.js';
import { sendXml, xmlDate } from './xml.js';

/** PUT /bucket/key with x-amz-copy-source: the source is decrypted and sealed again under the destination's context. */
export const CopyObjectInput = Type.Object({
  copySource: CopySource(),
  metadataDirective: Type.Optional(Type.Unsafe<'COPY' | 'REPLACE'>(Type.RegExp(/^(COPY|REPLACE)$/, { message: 'Unknown metadata directive.', ...inHeader('x-amz-metadata-directive') }))),
});

export const copyObject = objectOperation(CopyObjectInput, async (call) => {
  checkWriteHeaders(call);
  for (const name of ['x-amz-copy-source-if-match', 'x-amz-copy-source-if-none-match', 'x-amz-copy-source-if-modified-since', 'x-amz-copy-source-if-unmodified-since']) {
    if (call.header(name) !== undefined) throw new S3ProtocolError('NotImplemented', `The header ${name} is not supported by this server.`);
  }
  const source = copySourceOf(call.input.copySource);
  const directive = call.input.metadataDirective ?? 'COPY';
  const { headers, metadata } = objectHeadersOf(call);
  const info = await call.services.buckets.copyObject({
    source,
    bucket: call.bucket,
    key: call.key,
    metadataDirective: directive,
    headers,
    metadata,
    sse: sseRequestOf(call),
  });
  setEncryptionHeaders(call.reply, info);
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
