import { BucketError } from '../../service/bucketErrors.js';
import { MAX_PART_BYTES } from '../../service/multipartUploads.js';
import type { ChecksumAlgorithm, ObjectChecksums } from '../../store/bucketRecords.js';
import type { S3BucketHandler, S3Handler } from './call.js';
import { CHECKSUM_HEADERS } from './checksums.js';
import { copySourceOf } from './copyObject.js';
import { S3ProtocolError } from './errors.js';
import { checksumAlgorithmOf, checkWriteHeaders, objectHeadersOf, setEncryptionHeaders, sseRequestOf } from './objectHeaders.js';
import { OWNER } from './owner.js';
import { children, childText, parseXmlBody, sendXml, xmlDate } from './xml.js';

/** POST /bucket/key?uploads */
export const createMultipartUpload: S3Handler = async (call) => {
  checkWriteHeaders(call);
  const { headers, metadata } = objectHeadersOf(call);
  const checksumAlgorithm = checksumAlgorithmOf(call.header('x-amz-checksum-algorithm'));
  const upload = await call.services.multipartUploads.create({ bucket: call.bucket, key: call.key, headers, metadata, sse: sseRequestOf(call), checksumAlgorithm });
  setEncryptionHeaders(call.reply, upload);
  if (checksumAlgorithm) call.reply.header('x-amz-checksum-algorithm', checksumAlgorithm);
  return sendXml(call.reply, 'InitiateMultipartUploadResult', { Bucket: call.bucket, Key: call.key, UploadId: upload.uploadId });
};

/** PUT /bucket/key?partNumber=N&uploadId=U: streams like PutObject. */
export const uploadPart: S3Handler = async (call) => {
  if (call.header('x-amz-copy-source') !== undefined) return uploadPartCopy(call);
  const partNumber = call.query.get('partNumber')!;
  if (!/^\d{1,5}$/.test(partNumber)) throw new BucketError('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive.');
  const uploadId = call.query.get('uploadId')!;
  const payload = call.payload(MAX_PART_BYTES);
  const part = await call.services.multipartUploads.uploadPart({
    bucket: call.bucket,
    key: call.key,
    uploadId,
    partNumber: Number(partNumber),
    body: payload.stream,
    checksums: () => payload.checksums(),
  });
  call.reply.header('etag', `"${part.eTag}"`);
  setEncryptionHeaders(call.reply, part.upload);
  for (const [algorithm, value] of Object.entries(part.checksums) as [ChecksumAlgorithm, string][]) call.reply.header(CHECKSUM_HEADERS[algorithm], value);
  return call.reply.code(200).send();
};

/** UploadPart with x-amz-copy-source (+ x-amz-copy-source-range: bytes=first-last): what aws s3 cp uses to copy large objects. */
const uploadPartCopy: S3Handler = async (call) => {
  const partNumber = call.query.get('partNumber')!;
  if (!/^\d{1,5}$/.test(partNumber)) throw new BucketError('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive.');
  const rangeHeader = call.header('x-amz-copy-source-range');
  let range: { first: number; last: number } | undefined;
  if (rangeHeader !== undefined) {
    const match = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader.trim());
    if (!match || Number(match[2]) < Number(match[1])) {
      throw new BucketError(
        'InvalidArgument',
        'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
      );
    }
    range = { first: Number(match[1]), last: Number(match[2]) };
  }
  await call.smallBody(0);
  const part = await call.services.multipartUploads.uploadPartCopy({
    bucket: call.bucket,
    key: call.key,
    uploadId: call.query.get('uploadId')!,
    partNumber: Number(partNumber),
    source: copySourceOf(call.header('x-amz-copy-source')!),
    range,
  });
  setEncryptionHeaders(call.reply, part.upload);
  return sendXml(call.reply, 'CopyPartResult', { LastModified: xmlDate(part.lastModified), ETag: `"${part.eTag}"` });
};

/** POST /bucket/key?uploadId=U with CompleteMultipartUpload{Part{PartNumber,ETag}…}. */
export const completeMultipartUpload: S3Handler = async (call) => {
  for (const name of ['if-match', 'if-none-match']) {
    if (call.header(name) !== undefined) throw new S3ProtocolError('NotImplemented', `The header ${name} is not supported by this server.`);
  }
  const document = parseXmlBody(await call.smallBody(4 * 1024 * 1024), 'CompleteMultipartUpload');
  const parts = children(document, 'Part').map((part) => {
    const partNumber = childText(part, 'PartNumber');
    const eTag = childText(part, 'ETag');
    if (!partNumber || !/^\d{1,5}$/.test(partNumber) || !eTag) throw new BucketError('MalformedXML', 'Every Part needs a PartNumber and an ETag.');
    const checksums: ObjectChecksums = {};
    for (const algorithm of ['CRC32', 'CRC32C', 'SHA256'] as const) {
      const value = childText(part, `Checksum${algorithm}`);
      if (value) checksums[algorithm] = value;
    }
    return { partNumber: Number(partNumber), eTag, checksums };
  });
  const info = await call.services.multipartUploads.complete(call.bucket, call.key, call.query.get('uploadId')!, parts);
  setEncryptionHeaders(call.reply, info);
  const host = call.header('host') ?? 'localhost';
  return sendXml(call.reply, 'CompleteMultipartUploadResult', {
    Location: `https://${host}/${call.bucket}/${encodeURIComponent(call.key).replace(/%2F/g, '/')}`,
    Bucket: call.bucket,
    Key: call.key,
    ETag: `"${info.eTag}"`,
  });
};

/** DELETE /bucket/key?uploadId=U */
export const abortMultipartUpload: S3Handler = async (call) => {
  await call.services.multipartUploads.abort(call.bucket, call.key, call.query.get('uploadId')!);
  return call.reply.code(204).send();
};

/** GET /bucket/key?uploadId=U: max-parts, part-number-marker. */
export const listParts: S3Handler = async (call) => {
  const maxParts = integerParameter(call.query.get('max-parts'), 'max-parts');
  const marker = integerParameter(call.query.get('part-number-marker'), 'part-number-marker');
  const uploadId = call.query.get('uploadId')!;
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
};

/** GET /bucket?uploads: the bucket's uploads in progress (first 1000). */
export const listMultipartUploads: S3BucketHandler = async (call) => {
  const uploads = await call.services.multipartUploads.listUploads(call.bucket);
  const prefix = call.query.get('prefix') ?? '';
  const shown = uploads.filter((u) => u.key.startsWith(prefix)).slice(0, 1000);
  return sendXml(call.reply, 'ListMultipartUploadsResult', {
    Bucket: call.bucket,
    Prefix: prefix,
    MaxUploads: 1000,
    IsTruncated: false,
    Upload: shown.map((u) => ({ Key: u.key, UploadId: u.uploadId, Initiator: OWNER, Owner: OWNER, StorageClass: 'STANDARD', Initiated: xmlDate(u.createdAt) })),
  });
};

function integerParameter(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new BucketError('InvalidArgument', `${name} must be a non-negative integer.`);
  return Number(value);
}
