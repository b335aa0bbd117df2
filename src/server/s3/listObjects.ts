import { BucketError } from '../../service/bucketErrors.js';
import type { S3BucketHandler } from './call.js';
import { OWNER } from './owner.js';
import { sendXml, xmlDate } from './xml.js';

const TOKEN_PREFIX = 'v1:';

/** GET /bucket?list-type=2: prefix, delimiter, max-keys, start-after, continuation-token, encoding-type=url, fetch-owner. */
export const listObjectsV2: S3BucketHandler = async (call) => {
  const q = call.query;
  const encode = encoderFor(q.get('encoding-type'));
  const token = q.get('continuation-token');
  const startAfter = q.get('start-after');
  const after = token !== undefined ? decodeToken(token) : startAfter || undefined;
  const maxKeys = maxKeysOf(q.get('max-keys'));
  const listing = await call.services.buckets.listObjects(call.bucket, { prefix: q.get('prefix'), delimiter: q.get('delimiter'), maxKeys, after });
  const fetchOwner = q.get('fetch-owner') === 'true';
  return sendXml(call.reply, 'ListBucketResult', {
    Name: call.bucket,
    Prefix: encode(q.get('prefix') ?? ''),
    Delimiter: q.has('delimiter') ? encode(q.get('delimiter')!) : undefined,
    MaxKeys: maxKeys,
    EncodingType: q.get('encoding-type'),
    KeyCount: listing.objects.length + listing.commonPrefixes.length,
    IsTruncated: listing.isTruncated,
    ContinuationToken: token,
    NextContinuationToken: listing.isTruncated ? TOKEN_PREFIX + Buffer.from(listing.nextAfter!, 'utf8').toString('base64url') : undefined,
    StartAfter: startAfter !== undefined ? encode(startAfter) : undefined,
    Contents: listing.objects.map((o) => ({
      Key: encode(o.key),
      LastModified: xmlDate(o.lastModified),
      ETag: `"${o.eTag}"`,
      ChecksumAlgorithm: Object.keys(o.checksums)[0],
      Size: o.size,
      Owner: fetchOwner ? OWNER : undefined,
      StorageClass: 'STANDARD',
    })),
    CommonPrefixes: listing.commonPrefixes.map((prefix) => ({ Prefix: encode(prefix) })),
  });
};

/** GET /bucket (ListObjects, version 1): marker instead of tokens. */
export const listObjectsV1: S3BucketHandler = async (call) => {
  const q = call.query;
  const encode = encoderFor(q.get('encoding-type'));
  const marker = q.get('marker') ?? '';
  const maxKeys = maxKeysOf(q.get('max-keys'));
  const listing = await call.services.buckets.listObjects(call.bucket, { prefix: q.get('prefix'), delimiter: q.get('delimiter'), maxKeys, after: marker || undefined });
  const nextMarker = listing.nextMarker;
  return sendXml(call.reply, 'ListBucketResult', {
    Name: call.bucket,
    Prefix: encode(q.get('prefix') ?? ''),
    Marker: encode(marker),
    NextMarker: nextMarker === undefined ? undefined : encode(nextMarker),
    MaxKeys: maxKeys,
    Delimiter: q.has('delimiter') ? encode(q.get('delimiter')!) : undefined,
    EncodingType: q.get('encoding-type'),
    IsTruncated: listing.isTruncated,
    Contents: listing.objects.map((o) => ({
      Key: encode(o.key),
      LastModified: xmlDate(o.lastModified),
      ETag: `"${o.eTag}"`,
      Size: o.size,
      Owner: OWNER,
      StorageClass: 'STANDARD',
    })),
    CommonPrefixes: listing.commonPrefixes.map((prefix) => ({ Prefix: encode(prefix) })),
  });
};

function maxKeysOf(value: string | undefined): number {
  if (value === undefined) return 1000;
  if (!/^\d{1,9}$/.test(value)) throw new BucketError('InvalidArgument', 'Provided max-keys not an integer or within integer range');
  return Math.min(Number(value), 1000);
}

function decodeToken(token: string): string {
  const invalid = new BucketError('InvalidArgument', 'The continuation token provided is incorrect');
  if (!token.startsWith(TOKEN_PREFIX)) throw invalid;
  const encoded = token.slice(TOKEN_PREFIX.length);
  const text = Buffer.from(encoded, 'base64url').toString('utf8');
  if (text === '' || Buffer.from(text, 'utf8').toString('base64url') !== encoded) throw invalid;
  return text;
}

/** encoding-type=url: keys and prefixes percent-encoded (the AWS CLI asks for it and decodes). */
function encoderFor(encodingType: string | undefined): (text: string) => string {
  if (encodingType === undefined) return (text) => text;
  if (encodingType !== 'url') throw new BucketError('InvalidArgument', 'Invalid Encoding Method specified in Request');
  return (text) => encodeURIComponent(text).replace(/%2F/g, '/');
}
