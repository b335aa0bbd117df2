import { Type } from '@sinclair/typebox';
import { BucketError } from '../../service/bucketErrors.js';
import { MAX_PART_BYTES } from '../../service/multipartUploads.js';
import { CHECKSUM_ALGORITHMS, checksumTypeOf } from '../../service/objectChecksums.js';
import type { ChecksumAlgorithm, ObjectChecksums } from '../../store/bucketRecords.js';
import { OptionalXmlText, readXmlBody, XmlText, xmlBody } from './bodies.js';
import { CHECKSUM_HEADERS } from './checksums.js';
import { CopySourceConditions, checkCopySourceConditions, copySourceOf } from './copyObject.js';
import { customerKeyOf, setCustomerKeyHeaders } from './customerKeyHeaders.js';
import {
  bucketOperation,
  ChecksumAlgorithmHeader,
  ChecksumTypeHeader,
  CopySource,
  HeaderText,
  ObjectChecksumHeaders,
  objectOperation,
  PartNumber,
  QueryCount,
  QueryText,
  UploadId,
  WriteConditions,
} from './members.js';
import { setEncryptionHeaders, setExpirationHeader, setVersionHeader } from './objectHeaders.js';
import { OWNER } from './owner.js';
import { assertPrivateAclHeaders, ObjectWriteHeaders, objectHeadersOf, sseRequestOf, tagsOf } from './writeHeaders.js';
import { sendXml, xmlDate } from './xml.js';

/** POST /bucket/key?uploads */
export const CreateMultipartUploadInput = Type.Object({ checksumAlgorithm: ChecksumAlgorithmHeader(), checksumType: ChecksumTypeHeader(), ...ObjectWriteHeaders });

export const createMultipartUpload = objectOperation(CreateMultipartUploadInput, async (call) => {
  assertPrivateAclHeaders(call.input);
  const { headers, metadata } = objectHeadersOf(call.input);
  // The declaration accepts the five algorithms in any case.
  const checksumAlgorithm = call.input.checksumAlgorithm?.toUpperCase() as ChecksumAlgorithm | undefined;
  const { checksumType } = call.input;
  // The checksum type is not kept with the upload: CompleteMultipartUpload states it again or its value shows it.
  if (checksumType !== undefined) {
    if (checksumAlgorithm === undefined) throw new BucketError('InvalidRequest', 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
    const fullObjectOnly = checksumAlgorithm === 'CRC64NVME';
    const compositeOnly = checksumAlgorithm === 'SHA1' || checksumAlgorithm === 'SHA256';
    if ((checksumType === 'COMPOSITE' && fullObjectOnly) || (checksumType === 'FULL_OBJECT' && compositeOnly)) {
      throw new BucketError('InvalidRequest', `The ${checksumType} checksum type cannot be used with the ${checksumAlgorithm.toLowerCase()} checksum algorithm.`);
    }
  }
  const customerKey = customerKeyOf(call);
  const upload = await call.services.multipartUploads.create({
    bucket: call.bucket,
    key: call.key,
    headers,
    metadata,
    sse: sseRequestOf(call.input),
    checksumAlgorithm,
    tags: tagsOf(call.input),
    customerKey,
  });
  setEncryptionHeaders(call.reply, upload);
  setCustomerKeyHeaders(call.reply, customerKey);
  if (checksumAlgorithm) {
    call.reply.header('x-amz-checksum-algorithm', checksumAlgorithm);
    call.reply.header('x-amz-checksum-type', checksumType ?? (checksumAlgorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE'));
  }
  return sendXml(call.reply, 'InitiateMultipartUploadResult', { Bucket: call.bucket, Key: call.key, UploadId: upload.uploadId });
});

/** PUT /bucket/key?partNumber=N&uploadId=U: streams like PutObject. */
export const UploadPartInput = Type.Object({ partNumber: PartNumber(), uploadId: UploadId() });

export const uploadPart = objectOperation(UploadPartInput, async (call) => {
  const customerKey = customerKeyOf(call);
  const payload = call.payload(MAX_PART_BYTES);
  const part = await call.services.multipartUploads.uploadPart({
    bucket: call.bucket,
    key: call.key,
    uploadId: call.input.uploadId,
    partNumber: call.input.partNumber,
    body: payload.stream,
    checksums: () => payload.checksums(),
    customerKey,
  });
  call.reply.header('etag', `"${part.eTag}"`);
  setEncryptionHeaders(call.reply, part.upload);
  setCustomerKeyHeaders(call.reply, customerKey);
  for (const [algorithm, value] of Object.entries(part.checksums) as [ChecksumAlgorithm, string][]) call.reply.header(CHECKSUM_HEADERS[algorithm], value);
  return call.reply.code(200).send();
});

const COPY_RANGE_MESSAGE = 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy';

/** UploadPart with x-amz-copy-source (+ x-amz-copy-source-range: bytes=first-last): what aws s3 cp uses to copy large objects. */
export const UploadPartCopyInput = Type.Object({
  partNumber: PartNumber(),
  uploadId: UploadId(),
  copySource: CopySource(),
  ...CopySourceConditions,
  copySourceRange: HeaderText('x-amz-copy-source-range', { pattern: '^\\s*bytes=\\d+-\\d+\\s*$', message: COPY_RANGE_MESSAGE }),
});

export const uploadPartCopy = objectOperation(UploadPartCopyInput, async (call) => {
  let range: { first: number; last: number } | undefined;
  if (call.input.copySourceRange !== undefined) {
    const [first, last] = call.input.copySourceRange.trim().slice('bytes='.length).split('-').map(Number);
    if (last < first) throw new BucketError('InvalidArgument', COPY_RANGE_MESSAGE);
    range = { first, last };
  }
  const source = copySourceOf(call.input.copySource);
  const sourceCustomerKey = customerKeyOf(call, 'copy-source');
  const customerKey = customerKeyOf(call);
  await checkCopySourceConditions(call.services.buckets, source, call.input, sourceCustomerKey);
  await call.smallBody(0);
  const part = await call.services.multipartUploads.uploadPartCopy({
    bucket: call.bucket,
    key: call.key,
    uploadId: call.input.uploadId,
    partNumber: call.input.partNumber,
    source,
    range,
    sourceCustomerKey,
    customerKey,
  });
  setEncryptionHeaders(call.reply, part.upload);
  setCustomerKeyHeaders(call.reply, customerKey);
  return sendXml(call.reply, 'CopyPartResult', { LastModified: xmlDate(part.lastModified), ETag: `"${part.eTag}"` });
});

/** POST /bucket/key?uploadId=U with CompleteMultipartUpload{Part{PartNumber,ETag}…}. */
export const CompleteMultipartUploadInput = Type.Object({
  uploadId: UploadId(),
  ...WriteConditions,
  checksumType: ChecksumTypeHeader(),
  ...ObjectChecksumHeaders,
});

const PART_MESSAGE = 'Every Part needs a PartNumber and an ETag.';

/** One Part of CompleteMultipartUpload: its number and ETag as UploadPart answered them, and any checksums of the part. */
const CompletedPart = Type.Object({
  PartNumber: XmlText({ pattern: '^\\d{1,5}$', message: PART_MESSAGE }),
  ETag: XmlText({ minLength: 1, message: PART_MESSAGE }),
  ChecksumCRC32: OptionalXmlText(),
  ChecksumCRC32C: OptionalXmlText(),
  ChecksumCRC64NVME: OptionalXmlText(),
  ChecksumSHA1: OptionalXmlText(),
  ChecksumSHA256: OptionalXmlText(),
});
export const CompleteMultipartUploadBody = xmlBody('CompleteMultipartUpload', Type.Object({ Part: Type.Array(CompletedPart) }));

export const completeMultipartUpload = objectOperation(CompleteMultipartUploadInput, async (call) => {
  const given = CHECKSUM_ALGORITHMS.filter((algorithm) => call.input[algorithm] !== undefined);
  if (given.length > 1) throw new BucketError('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum types are not allowed.');
  // The x-amz-checksum-* headers here are the object's checksum, not the XML body's.
  const document = await readXmlBody(call, CompleteMultipartUploadBody, 4 * 1024 * 1024, { checksumHeadersOfObject: true });
  const parts = document.Part.map((part) => {
    const checksums: ObjectChecksums = {};
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const value = part[`Checksum${algorithm}`];
      if (value) checksums[algorithm] = value;
    }
    return { partNumber: Number(part.PartNumber), eTag: part.ETag, checksums };
  });
  const customerKey = customerKeyOf(call);
  const info = await call.services.multipartUploads.complete(call.bucket, call.key, call.input.uploadId, parts, {
    checksum: { type: call.input.checksumType, algorithm: given[0], value: given[0] && call.input[given[0]] },
    condition: { ifMatch: call.input.ifMatch, ifNoneMatch: call.input.ifNoneMatch },
    customerKey,
  });
  setEncryptionHeaders(call.reply, info);
  await setExpirationHeader(call, info);
  setVersionHeader(call.reply, info.versionId);
  const host = call.header('host') ?? 'localhost';
  const [checksum] = Object.entries(info.checksums) as [ChecksumAlgorithm, string][];
  return sendXml(call.reply, 'CompleteMultipartUploadResult', {
    Location: `https://${host}/${call.bucket}/${encodeURIComponent(call.key).replace(/%2F/g, '/')}`,
    Bucket: call.bucket,
    Key: call.key,
    ETag: `"${info.eTag}"`,
    ...(checksum && { [`Checksum${checksum[0]}`]: checksum[1], ChecksumType: checksumTypeOf(checksum[1]) }),
  });
});

/** DELETE /bucket/key?uploadId=U */
export const AbortMultipartUploadInput = Type.Object({ uploadId: UploadId() });

export const abortMultipartUpload = objectOperation(AbortMultipartUploadInput, async (call) => {
  await call.services.multipartUploads.abort(call.bucket, call.key, call.input.uploadId);
  return call.reply.code(204).send();
});

/** GET /bucket/key?uploadId=U: max-parts, part-number-marker. */
export const ListPartsInput = Type.Object({ uploadId: UploadId(), maxParts: QueryCount('max-parts'), partNumberMarker: QueryCount('part-number-marker') });

export const listParts = objectOperation(ListPartsInput, async (call) => {
  const { maxParts, partNumberMarker: marker, uploadId } = call.input;
  const page = await call.services.multipartUploads.listParts(call.bucket, call.key, uploadId, { maxParts, partNumberMarker: marker });
  return sendXml(call.reply, 'ListPartsResult', {
    Bucket: call.bucket,
    Key: call.key,
    UploadId: uploadId,
    Initiator: OWNER,
    Owner: OWNER,
    StorageClass: 'STANDARD',
    PartNumberMarker: marker ?? 0,
    NextPartNumberMarker: page.nextPartNumberMarker,
    MaxParts: maxParts ?? 1000,
    IsTruncated: page.isTruncated,
    ChecksumAlgorithm: page.upload.checksumAlgorithm,
    Part: page.parts.map((part) => ({
      PartNumber: part.partNumber,
      LastModified: xmlDate(part.lastModified),
      ETag: `"${part.eTag}"`,
      Size: part.size,
      ...Object.fromEntries(Object.entries(part.checksums).map(([algorithm, value]) => [`Checksum${algorithm}`, value])),
    })),
  });
});

/** GET /bucket?uploads: the bucket's uploads in progress (first max-uploads, at most 1000). */
export const ListMultipartUploadsInput = Type.Object({ prefix: QueryText('prefix'), maxUploads: QueryCount('max-uploads') });

export const listMultipartUploads = bucketOperation(ListMultipartUploadsInput, async (call) => {
  const uploads = await call.services.multipartUploads.listUploads(call.bucket);
  const prefix = call.input.prefix ?? '';
  const maxUploads = Math.min(call.input.maxUploads ?? 1000, 1000);
  const matching = uploads.filter((u) => u.key.startsWith(prefix));
  const shown = matching.slice(0, maxUploads);
  return sendXml(call.reply, 'ListMultipartUploadsResult', {
    Bucket: call.bucket,
    Prefix: prefix,
    MaxUploads: maxUploads,
    IsTruncated: matching.length > shown.length,
    Upload: shown.map((u) => ({ Key: u.key, UploadId: u.uploadId, Initiator: OWNER, Owner: OWNER, StorageClass: 'STANDARD', Initiated: xmlDate(u.createdAt) })),
  });
});
