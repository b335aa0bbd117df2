/*
 * The request parameters of the S3 operations as TypeBox schemas: each operation declares the query
 * parameters and headers it reads, once, with their constraints and S3's own wording of the failure
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html).
 * The same declaration gives the handler's input type and the check, which answers S3's InvalidArgument
 * with that wording (or the code a member names with `s3Error`). Members are named in camelCase and say
 * where they travel with `in`: a query parameter, a header, or every header under a prefix (x-amz-meta-*).
 */
import { Kind, type SchemaOptions, type Static, type TObject, type TSchema, Type } from '@sinclair/typebox';
import { BucketError } from '../../service/bucketErrors.js';
import { wireText } from '../auth/canonicalRequest.js';
import { inputValidator, type MemberMessages } from '../schema.js';
import type { S3Call } from './call.js';
import { S3ProtocolError } from './errors.js';

/** Where an S3 request member travels; a 'headerPrefix' member is the map of every header under `name`, by the rest of its name. */
export interface S3Binding {
  in: 'query' | 'header' | 'headerPrefix';
  name: string;
}
/** A member whose failure S3 answers with another code than InvalidArgument (NotImplemented for a feature Vigil lacks). */
interface S3ErrorOption {
  s3Error?: 'NotImplemented';
}
type Options = SchemaOptions & MemberMessages & S3ErrorOption;

export const inQuery = (name: string) => ({ in: 'query', name }) as const;
export const inHeader = (name: string) => ({ in: 'header', name }) as const;
const query = inQuery;
const header = inHeader;

/** The declaration of an operation that reads no query parameter or header (its body, if any, is declared in bodies.ts). */
export const NoInput = Type.Object({});

/** A query parameter or header taken as it comes. */
export const QueryText = (name: string, o?: Options) => Type.Optional(Type.String({ ...o, ...query(name) }));
export const HeaderText = (name: string, o?: Options) => Type.Optional(Type.String({ ...o, ...header(name) }));

/** max-keys, max-parts, max-uploads, part-number-marker: a non-negative integer (values over the page size are capped by the handler). */
export const QueryCount = (name: string, minimum = 0) =>
  Type.Optional(Type.Integer({ minimum, maximum: 2147483647, message: `Provided ${name} not an integer or within integer range`, ...query(name) }));

/** A part number, 1 to 10000. */
export const PartNumber = () => Type.Integer({ minimum: 1, maximum: 10000, message: 'Part number must be an integer between 1 and 10000, inclusive', ...query('partNumber') });

/** The upload id that CreateMultipartUpload returned. */
export const UploadId = () => Type.String({ minLength: 1, message: 'The uploadId parameter is required and must not be empty.', ...query('uploadId') });

/** A version id of an object. */
export const VersionId = () => QueryText('versionId', { minLength: 1, message: 'Invalid version id specified' });

/** encoding-type: only url. */
export const EncodingType = () => Type.Optional(Type.Unsafe<'url'>(Type.RegExp(/^url$/, { message: 'Invalid Encoding Method specified in Request', ...query('encoding-type') })));

/** x-amz-checksum-mode: ENABLED asks for the stored checksums. */
export const ChecksumMode = () => Type.Optional(Type.RegExp(/^(ENABLED|enabled)$/, { message: 'x-amz-checksum-mode must be ENABLED.', ...header('x-amz-checksum-mode') }));

/** An ETag condition header (If-Match, If-None-Match, x-amz-copy-source-if-*). */
export const ETagCondition = (name: string) => HeaderText(name, { minLength: 1 });

/** x-amz-copy-source of CopyObject and UploadPartCopy: "[/]bucket/key[?versionId=…]" (copySourceOf reads it). */
export const CopySource = () => Type.String({ minLength: 1, ...header('x-amz-copy-source') });

/** x-amz-checksum-algorithm: which checksum to keep (CRC32, CRC32C, CRC64NVME, SHA1, SHA256; any case). */
export const ChecksumAlgorithmHeader = () =>
  Type.Optional(
    Type.RegExp(/^(crc32|crc32c|crc64nvme|sha1|sha256)$/i, {
      message: 'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]',
      ...header('x-amz-checksum-algorithm'),
    }),
  );

/** x-amz-checksum-type of a multipart upload. */
export const ChecksumTypeHeader = () =>
  Type.Optional(Type.Unsafe<'COMPOSITE' | 'FULL_OBJECT'>(Type.RegExp(/^(COMPOSITE|FULL_OBJECT)$/, { message: 'Value for x-amz-checksum-type header is invalid.', ...header('x-amz-checksum-type') })));

/** x-amz-checksum-* of an object as a whole (CompleteMultipartUpload), by algorithm. */
export const ObjectChecksumHeaders = {
  CRC32: HeaderText('x-amz-checksum-crc32', { minLength: 1 }),
  CRC32C: HeaderText('x-amz-checksum-crc32c', { minLength: 1 }),
  CRC64NVME: HeaderText('x-amz-checksum-crc64nvme', { minLength: 1 }),
  SHA1: HeaderText('x-amz-checksum-sha1', { minLength: 1 }),
  SHA256: HeaderText('x-amz-checksum-sha256', { minLength: 1 }),
};

/** If-Match and If-None-Match of a write: an ETag list, and only "*" for If-None-Match (as S3 accepts). */
export const WriteConditions = {
  ifMatch: HeaderText('if-match', { minLength: 1 }),
  ifNoneMatch: Type.Optional(Type.Unsafe<'*'>(Type.RegExp(/^\*$/, { message: 'If-None-Match on a write only accepts *.', ...header('if-none-match') }))),
};

/** The location a member schema declares. */
export function s3BindingOf(schema: TSchema): S3Binding | undefined {
  return (schema as Partial<S3Binding>).in === undefined ? undefined : (schema as unknown as S3Binding);
}

/** Reads each member of `schema` from where it travels; integers are decoded here and range-checked by the schema. */
export function readS3Input(call: S3Call, schema: TObject): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(schema.properties as Record<string, TSchema>)) {
    const binding = s3BindingOf(member);
    if (!binding) continue;
    if (binding.in === 'headerPrefix') {
      const found = headersUnder(call, binding.name);
      if (Object.keys(found).length > 0) input[key] = found;
      continue;
    }
    const raw = binding.in === 'query' ? call.query.get(binding.name) : call.header(binding.name);
    if (raw === undefined) continue;
    input[key] = member[Kind] === 'Integer' && /^-?\d{1,15}$/.test(raw) ? Number(raw) : raw;
  }
  return input;
}

/** The headers named `prefix` + something, by that something; values as sent (UTF-8 where they are), repeats joined with ",". */
function headersUnder(call: S3Call, prefix: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [name, value] of Object.entries(call.request.headers)) {
    if (!name.startsWith(prefix) || value === undefined) continue;
    found[name.slice(prefix.length)] = wireText(Array.isArray(value) ? value.join(',') : value);
  }
  return found;
}

/** Wraps a handler with its declared input: read, checked (InvalidArgument with S3's wording) and passed as `call.input`. */
export function withInput<C extends S3Call, T extends TObject>(schema: T, handle: (call: C & { input: Static<T> }) => Promise<unknown>): (call: C) => Promise<unknown> {
  const validate = inputValidator(schema, (message, member) => {
    const code = (member as S3ErrorOption | undefined)?.s3Error;
    return code ? new S3ProtocolError(code, message) : new BucketError('InvalidArgument', message);
  });
  return (call) => handle({ ...call, input: validate(readS3Input(call, schema)) });
}

type BucketCall = S3Call & { bucket: string };
type ObjectCall = BucketCall & { key: string };
/** An operation on the service (no bucket), on a bucket, or on an object, with its declared input. */
export const serviceOperation = <T extends TObject>(schema: T, handle: (call: S3Call & { input: Static<T> }) => Promise<unknown>) => withInput<S3Call, T>(schema, handle);
export const bucketOperation = <T extends TObject>(schema: T, handle: (call: BucketCall & { input: Static<T> }) => Promise<unknown>) => withInput<BucketCall, T>(schema, handle);
export const objectOperation = <T extends TObject>(schema: T, handle: (call: ObjectCall & { input: Static<T> }) => Promise<unknown>) => withInput<ObjectCall, T>(schema, handle);
