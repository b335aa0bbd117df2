import { Type } from '@sinclair/typebox';
import { BucketError } from '../../service/bucketErrors.js';
import type { ObjectInfo } from '../../service/buckets.js';
import type { ByteRange } from '../../service/byteRanges.js';
import type { S3Call } from './call.js';
import { customerKeyOf } from './customerKeyHeaders.js';
import { S3ProtocolError } from './errors.js';
import { ChecksumMode, HeaderText, inHeader, objectOperation, PartNumber, QueryText, VersionId } from './members.js';
import { setExpirationHeader, setObjectHeaders } from './objectHeaders.js';

type ObjectCall = S3Call & { bucket: string; key: string };

/** HEAD /bucket/key: the version, the conditions and whether to answer the checksums. */
export const HeadObjectInput = Type.Object({
  versionId: VersionId(),
  partNumber: Type.Optional(PartNumber()),
  // SSE headers belong to writes; on a read S3 refuses them.
  serverSideEncryption: Type.Optional(Type.Never({ message: 'x-amz-server-side-encryption header is not supported for this operation.', ...inHeader('x-amz-server-side-encryption') })),
  serverSideEncryptionKeyId: Type.Optional(
    Type.Never({ message: 'x-amz-server-side-encryption-aws-kms-key-id header is not supported for this operation.', ...inHeader('x-amz-server-side-encryption-aws-kms-key-id') }),
  ),
  checksumMode: ChecksumMode(),
  ifMatch: HeaderText('if-match'),
  ifNoneMatch: HeaderText('if-none-match'),
  ifModifiedSince: HeaderText('if-modified-since'),
  ifUnmodifiedSince: HeaderText('if-unmodified-since'),
});

/** GET /bucket/key: as HEAD, plus a byte range and the response-* header overrides. */
export const GetObjectInput = Type.Object({
  ...HeadObjectInput.properties,
  range: HeaderText('range'),
  responseContentType: QueryText('response-content-type'),
  responseContentEncoding: QueryText('response-content-encoding'),
  responseContentDisposition: QueryText('response-content-disposition'),
  responseContentLanguage: QueryText('response-content-language'),
  responseCacheControl: QueryText('response-cache-control'),
  responseExpires: QueryText('response-expires'),
});

/** GET /bucket/key, with a single byte range (206 + Content-Range) when Range asks for one. */
export const getObject = objectOperation(GetObjectInput, async (call) => {
  let range = parseRange(call.input.range);
  if (call.input.partNumber !== undefined) {
    if (call.input.range !== undefined) throw new BucketError('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
    range = await partRange(call, call.input.partNumber);
  }
  const customerKey = customerKeyOf(call);
  if (hasConditions(call)) {
    const info = await call.services.buckets.headObject(call.bucket, call.key, call.input.versionId, customerKey);
    if (checkConditions(call, info) !== undefined) return;
  }
  const read = await call.services.buckets.getObject(call.bucket, call.key, { versionId: call.input.versionId, range, customerKey });
  try {
    await setExpirationHeader(call, read.info);
  } catch (error) {
    read.body.destroy();
    throw error;
  }
  setObjectHeaders(call, read.info, { wholeObject: read.range === undefined });
  if (call.input.partNumber !== undefined && read.info.parts !== undefined) call.reply.header('x-amz-mp-parts-count', String(read.info.parts.length));
  call.reply.header('content-length', String(read.size));
  if (read.range) {
    call.reply.code(206).header('content-range', `bytes ${read.range.start}-${read.range.end}/${read.info.size}`);
  } else {
    call.reply.code(200);
  }
  return call.reply.send(read.body);
});

export const headObject = objectOperation(HeadObjectInput, async (call) => {
  const range = call.input.partNumber === undefined ? undefined : await partRange(call, call.input.partNumber);
  const info = await call.services.buckets.headObject(call.bucket, call.key, call.input.versionId, customerKeyOf(call));
  if (checkConditions(call, info) !== undefined) return;
  await setExpirationHeader(call, info);
  setObjectHeaders(call, info, { wholeObject: range === undefined });
  if (range !== undefined && info.parts !== undefined) {
    call.reply.header('x-amz-mp-parts-count', String(info.parts.length));
    return call.reply
      .code(206)
      .header('content-length', String(range.last - range.first + 1))
      .header('content-range', `bytes ${range.first}-${range.last}/${info.size}`)
      .send();
  }
  return call.reply.code(200).header('content-length', String(info.size)).send();
});

/**
 * partNumber: the bytes of that part of a multipart object (its part sizes are kept); an object written in
 * one piece is its own part 1 (answered whole). A part number past the last is 416 InvalidPartNumber, as on
 * AWS. Multipart objects completed before part sizes were kept cannot be read by part.
 */
async function partRange(call: ObjectCall & { input: { versionId?: string } }, partNumber: number): Promise<{ first: number; last: number } | undefined> {
  const info = await call.services.buckets.headObject(call.bucket, call.key, call.input.versionId, customerKeyOf(call));
  if (info.partCount !== undefined && info.parts === undefined) {
    throw new S3ProtocolError('NotImplemented', 'Reading one part of a multipart object (partNumber) is not supported for objects completed before part sizes were kept.');
  }
  const sizes = info.parts?.map((part) => part.size) ?? [info.size];
  if (partNumber > sizes.length) {
    throw new S3ProtocolError('InvalidPartNumber', 'The requested partnumber is not satisfiable', { PartNumberRequested: String(partNumber), ActualPartCount: String(sizes.length) });
  }
  if (info.parts === undefined) return undefined;
  const first = sizes.slice(0, partNumber - 1).reduce((sum, size) => sum + size, 0);
  return { first, last: first + sizes[partNumber - 1] - 1 };
}

/**
 * One range "bytes=first-last", "bytes=first-" or "bytes=-suffix". Anything else (several ranges,
 * another unit, a malformed value) is ignored as HTTP allows, and the whole object is returned.
 */
export function parseRange(header: string | undefined): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') return { suffixLength: Number(match[2]) };
  const first = Number(match[1]);
  if (match[2] === '') return { first };
  const last = Number(match[2]);
  return last < first ? undefined : { first, last };
}

const CONDITIONS = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'];

function hasConditions(call: S3Call): boolean {
  return CONDITIONS.some((name) => call.header(name) !== undefined);
}

/**
 * Conditional GET/HEAD as S3 evaluates them: If-Match (else 412) before If-Unmodified-Since,
 * If-None-Match (else 304) before If-Modified-Since. Answers 304 itself; returns 'answered' then.
 */
function checkConditions(call: S3Call, info: ObjectInfo): 'answered' | undefined {
  const eTag = `"${info.eTag}"`;
  const matches = (header: string) => header.split(',').some((tag) => tag.trim() === '*' || tag.trim().replace(/^W\//, '') === eTag);
  const seconds = Math.floor(info.lastModified.getTime() / 1000);
  const date = (header: string) => {
    const time = Date.parse(header);
    return Number.isNaN(time) ? undefined : Math.floor(time / 1000);
  };
  const ifMatch = call.header('if-match');
  const ifUnmodifiedSince = call.header('if-unmodified-since');
  const ifNoneMatch = call.header('if-none-match');
  const ifModifiedSince = call.header('if-modified-since');
  const failed = () =>
    new S3ProtocolError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold.', { Condition: ifMatch !== undefined ? 'If-Match' : 'If-Unmodified-Since' });
  if (ifMatch !== undefined) {
    if (!matches(ifMatch)) throw failed();
  } else if (ifUnmodifiedSince !== undefined) {
    const since = date(ifUnmodifiedSince);
    if (since !== undefined && seconds > since) throw failed();
  }
  let notModified = false;
  if (ifNoneMatch !== undefined) notModified = matches(ifNoneMatch);
  else if (ifModifiedSince !== undefined) {
    const since = date(ifModifiedSince);
    notModified = since !== undefined && seconds <= since;
  }
  if (!notModified) return undefined;
  call.reply.code(304).header('etag', eTag).header('last-modified', info.lastModified.toUTCString()).send();
  return 'answered';
}
