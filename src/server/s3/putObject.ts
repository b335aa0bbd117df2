import { Type } from '@sinclair/typebox';
import { MAX_PUT_BYTES } from '../../service/buckets.js';
import type { ChecksumAlgorithm } from '../../store/bucketRecords.js';
import { CHECKSUM_HEADERS } from './checksums.js';
import { customerKeyOf, setCustomerKeyHeaders } from './customerKeyHeaders.js';
import { objectOperation, WriteConditions } from './members.js';
import { setEncryptionHeaders, setExpirationHeader, setVersionHeader } from './objectHeaders.js';
import { assertPrivateAclHeaders, ObjectWriteHeaders, objectHeadersOf, sseRequestOf, tagsOf } from './writeHeaders.js';

/** PUT /bucket/key: the body streams, checked, into a sealed blob; the object exists only once every check passed. */
export const PutObjectInput = Type.Object({ ...WriteConditions, ...ObjectWriteHeaders });

export const putObject = objectOperation(PutObjectInput, async (call) => {
  assertPrivateAclHeaders(call.input);
  const { headers, metadata } = objectHeadersOf(call.input);
  const sse = sseRequestOf(call.input);
  const tags = tagsOf(call.input);
  const customerKey = customerKeyOf(call);
  await call.services.buckets.headBucket(call.bucket);
  const payload = call.payload(MAX_PUT_BYTES);
  const info = await call.services.buckets.putObject({
    bucket: call.bucket,
    key: call.key,
    body: payload.stream,
    headers,
    metadata,
    sse,
    tags,
    customerKey,
    checksums: () => payload.checksums(),
    condition: { ifMatch: call.input.ifMatch, ifNoneMatch: call.input.ifNoneMatch },
  });
  call.reply.header('etag', `"${info.eTag}"`);
  await setExpirationHeader(call, info);
  setVersionHeader(call.reply, info.versionId);
  setEncryptionHeaders(call.reply, info);
  setCustomerKeyHeaders(call.reply, customerKey);
  for (const [algorithm, value] of Object.entries(info.checksums) as [ChecksumAlgorithm, string][]) call.reply.header(CHECKSUM_HEADERS[algorithm], value);
  return call.reply.code(200).send();
});
