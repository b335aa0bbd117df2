import { Type } from '@sinclair/typebox';
import { BucketError } from '../../service/bucketErrors.js';
import { bucketOperation, EncodingType, QueryCount, QueryText } from './members.js';
import { OWNER } from './owner.js';
import { sendXml, xmlDate } from './xml.js';

const TOKEN_PREFIX = 'v1:';

/** A page holds at most 1000 keys; a larger max-keys is capped, as S3 does. */
const PAGE = 1000;

const ListingInput = {
  prefix: QueryText('prefix'),
  delimiter: QueryText('delimiter'),
  maxKeys: QueryCount('max-keys'),
  encodingType: EncodingType(),
};

/** GET /bucket?list-type=2: prefix, delimiter, max-keys, start-after, continuation-token, encoding-type=url, fetch-owner. */
export const ListObjectsV2Input = Type.Object({
  ...ListingInput,
  continuationToken: QueryText('continuation-token'),
  startAfter: QueryText('start-after'),
  fetchOwner: QueryText('fetch-owner'),
});

export const listObjectsV2 = bucketOperation(ListObjectsV2Input, async (call) => {
  const { input } = call;
  const encode = encoderFor(input.encodingType);
  // An empty continuation token is no token: the listing starts at the beginning (and echoes it).
  const token = input.continuationToken;
  const after = token ? decodeToken(token) : input.startAfter || undefined;
  const maxKeys = Math.min(input.maxKeys ?? PAGE, PAGE);
  const delimiter = input.delimiter || undefined;
  const listing = await call.services.buckets.listObjects(call.bucket, { prefix: input.prefix, delimiter, maxKeys, after });
  return sendXml(call.reply, 'ListBucketResult', {
    Name: call.bucket,
    Prefix: encode(input.prefix ?? ''),
    Delimiter: delimiter === undefined ? undefined : encode(delimiter),
    MaxKeys: maxKeys,
    EncodingType: input.encodingType,
    KeyCount: listing.objects.length + listing.commonPrefixes.length,
    IsTruncated: listing.isTruncated,
    ContinuationToken: token,
    NextContinuationToken: listing.isTruncated ? TOKEN_PREFIX + Buffer.from(listing.nextAfter!, 'utf8').toString('base64url') : undefined,
    StartAfter: input.startAfter !== undefined ? encode(input.startAfter) : undefined,
    Contents: listing.objects.map((o) => ({
      Key: encode(o.key),
      LastModified: xmlDate(o.lastModified),
      ETag: `"${o.eTag}"`,
      ChecksumAlgorithm: Object.keys(o.checksums)[0],
      Size: o.size,
      Owner: input.fetchOwner === 'true' ? OWNER : undefined,
      StorageClass: 'STANDARD',
    })),
    CommonPrefixes: listing.commonPrefixes.map((prefix) => ({ Prefix: encode(prefix) })),
  });
});

/** GET /bucket (ListObjects, version 1): marker instead of tokens. */
export const ListObjectsV1Input = Type.Object({ ...ListingInput, marker: QueryText('marker') });

export const listObjectsV1 = bucketOperation(ListObjectsV1Input, async (call) => {
  const { input } = call;
  const encode = encoderFor(input.encodingType);
  const marker = input.marker ?? '';
  const maxKeys = Math.min(input.maxKeys ?? PAGE, PAGE);
  const delimiter = input.delimiter || undefined;
  const listing = await call.services.buckets.listObjects(call.bucket, { prefix: input.prefix, delimiter, maxKeys, after: marker || undefined });
  const nextMarker = listing.nextMarker;
  return sendXml(call.reply, 'ListBucketResult', {
    Name: call.bucket,
    // Version 1 answers Prefix as given, even with encoding-type=url (the SDKs decode only Marker, NextMarker and Delimiter there).
    Prefix: input.prefix ?? '',
    Marker: encode(marker),
    NextMarker: nextMarker === undefined ? undefined : encode(nextMarker),
    MaxKeys: maxKeys,
    Delimiter: delimiter === undefined ? undefined : encode(delimiter),
    EncodingType: input.encodingType,
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
});

function decodeToken(token: string): string {
  const invalid = new BucketError('InvalidArgument', 'The continuation token provided is incorrect');
  if (!token.startsWith(TOKEN_PREFIX)) throw invalid;
  const encoded = token.slice(TOKEN_PREFIX.length);
  const text = Buffer.from(encoded, 'base64url').toString('utf8');
  if (text === '' || Buffer.from(text, 'utf8').toString('base64url') !== encoded) throw invalid;
  return text;
}

/** encoding-type=url: keys and prefixes percent-encoded (the AWS CLI asks for it and decodes). */
function encoderFor(encodingType: 'url' | undefined): (text: string) => string {
  if (encodingType === undefined) return (text) => text;
  return (text) => encodeURIComponent(text).replace(/%2F/g, '/');
}

/**
 * GET /bucket?versions: every version and delete marker, by key, each key's newest first. key-marker alone
 * starts after all of that key's versions; with version-id-marker, after that version of it (which must exist).
 */
export const ListObjectVersionsInput = Type.Object({
  ...ListingInput,
  keyMarker: QueryText('key-marker'),
  versionIdMarker: QueryText('version-id-marker'),
});

export const listObjectVersions = bucketOperation(ListObjectVersionsInput, async (call) => {
  const { input } = call;
  const { buckets } = call.services;
  const encode = encoderFor(input.encodingType);
  const keyMarker = input.keyMarker ?? '';
  const versionIdMarker = input.versionIdMarker || undefined;
  if (versionIdMarker !== undefined && keyMarker === '') throw new BucketError('InvalidArgument', 'A version-id marker cannot be specified without a key marker.');
  const maxKeys = Math.min(input.maxKeys ?? PAGE, PAGE);
  const delimiter = input.delimiter || undefined;
  const after = keyMarker === '' ? undefined : versionIdMarker === undefined ? { key: keyMarker } : await buckets.versionPosition(call.bucket, keyMarker, versionIdMarker);
  const listing = await buckets.listObjectVersions(call.bucket, { prefix: input.prefix, delimiter, maxKeys, after });
  const entry = (v: (typeof listing.versions)[number]) => ({ Key: encode(v.key), VersionId: v.versionId, IsLatest: v.isLatest, LastModified: xmlDate(v.lastModified), Owner: OWNER });
  return sendXml(call.reply, 'ListVersionsResult', {
    Name: call.bucket,
    Prefix: encode(input.prefix ?? ''),
    KeyMarker: encode(keyMarker),
    VersionIdMarker: versionIdMarker ?? '',
    NextKeyMarker: listing.next === undefined ? undefined : encode(listing.next.keyMarker),
    NextVersionIdMarker: listing.next?.versionIdMarker,
    MaxKeys: maxKeys,
    Delimiter: delimiter === undefined ? undefined : encode(delimiter),
    EncodingType: input.encodingType,
    IsTruncated: listing.isTruncated,
    // S3 answers versions and delete markers as two lists, each in the listing's order.
    Version: listing.versions.flatMap((v) => (v.deleteMarker ? [] : [{ ...entry(v), ETag: `"${v.eTag}"`, Size: v.size, StorageClass: 'STANDARD' }])),
    DeleteMarker: listing.versions.flatMap((v) => (v.deleteMarker ? [entry(v)] : [])),
    CommonPrefixes: listing.commonPrefixes.map((prefix) => ({ Prefix: encode(prefix) })),
  });
});
