import { Type } from '@sinclair/typebox';
import { BucketError } from '../../service/bucketErrors.js';
import { checksumTypeOf } from '../../service/objectChecksums.js';
import type { ChecksumAlgorithm } from '../../store/bucketRecords.js';
import { customerKeyOf } from './customerKeyHeaders.js';
import { HeaderText, inHeader, objectOperation, VersionId } from './members.js';
import { setVersionHeader } from './objectHeaders.js';
import { sendXml } from './xml.js';

const ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;

/** GET /bucket/key?attributes: x-amz-object-attributes names what to answer; the parts page by x-amz-max-parts and x-amz-part-number-marker. */
export const GetObjectAttributesInput = Type.Object({
  versionId: VersionId(),
  objectAttributes: HeaderText('x-amz-object-attributes', { minLength: 1, message: 'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty' }),
  maxParts: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647, message: 'Argument max-parts must be an integer between 0 and 2147483647', ...inHeader('x-amz-max-parts') })),
  partNumberMarker: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 2147483647, message: 'Argument part-number-marker must be an integer between 0 and 2147483647', ...inHeader('x-amz-part-number-marker') }),
  ),
});

export const getObjectAttributes = objectOperation(GetObjectAttributesInput, async (call) => {
  const { input } = call;
  const wanted = (input.objectAttributes ?? '').split(',').map((name) => name.trim());
  if (input.objectAttributes === undefined || wanted.some((name) => !(ATTRIBUTES as readonly string[]).includes(name))) {
    throw new BucketError(
      'InvalidArgument',
      input.objectAttributes === undefined ? 'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty' : 'Invalid attribute name specified.',
    );
  }
  const info = await call.services.buckets.headObject(call.bucket, call.key, input.versionId, customerKeyOf(call));
  const asked = new Set(wanted);
  const checksums = Object.entries(info.checksums) as [ChecksumAlgorithm, string][];
  let objectParts: Record<string, unknown> | undefined;
  if (asked.has('ObjectParts') && info.parts !== undefined) {
    const maxParts = Math.min(input.maxParts ?? 1000, 1000);
    const marker = input.partNumberMarker ?? 0;
    const numbered = info.parts.map((part, index) => ({ number: index + 1, ...part })).filter((part) => part.number > marker);
    const page = numbered.slice(0, maxParts);
    const truncated = numbered.length > page.length;
    objectParts = {
      PartsCount: info.parts.length, // TotalPartsCount in the SDKs
      PartNumberMarker: marker,
      NextPartNumberMarker: truncated ? page[page.length - 1].number : undefined,
      MaxParts: maxParts,
      IsTruncated: truncated,
      Part: page.map((part) => ({
        PartNumber: part.number,
        Size: part.size,
        ...Object.fromEntries(Object.entries(part.checksums).map(([algorithm, value]) => [`Checksum${algorithm}`, value])),
      })),
    };
  }
  setVersionHeader(call.reply, info.versionId);
  call.reply.header('last-modified', info.lastModified.toUTCString());
  return sendXml(call.reply, 'GetObjectAttributesResponse', {
    ETag: asked.has('ETag') ? info.eTag : undefined,
    Checksum:
      asked.has('Checksum') && checksums.length > 0
        ? { ...Object.fromEntries(checksums.map(([algorithm, value]) => [`Checksum${algorithm}`, value])), ChecksumType: checksumTypeOf(checksums[0][1]) }
        : undefined,
    ObjectParts: objectParts,
    StorageClass: asked.has('StorageClass') ? 'STANDARD' : undefined,
    ObjectSize: asked.has('ObjectSize') ? info.size : undefined,
  });
});
