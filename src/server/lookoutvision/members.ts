/*
 * The request members of the Lookout for Vision API as TypeBox schemas, with the patterns and lengths the API
 * reference gives for each (e.g. ProjectName in https://docs.aws.amazon.com/lookout-for-vision/latest/APIReference/API_CreateProject.html,
 * Bucket and Key in https://docs.aws.amazon.com/lookout-for-vision/latest/APIReference/API_InputS3Object.html).
 * Patterns are matched whole. A member that does not travel in the JSON body says where it does with
 * `in` (see requestInput.ts): a path label, a query parameter, a header or the raw payload.
 */
import { type SchemaOptions, type TSchema, Type } from '@sinclair/typebox';
import { MAX_CHANGES_BYTES } from '../../service/datasets.js';
import type { MemberMessages } from '../schema.js';

/** Where a member travels, when not in the JSON body. */
export type Binding = { in: 'path' | 'query' | 'header'; name: string } | { in: 'payload' };
type Options = SchemaOptions & MemberMessages & Partial<Binding>;

export const inPath = (name: string) => ({ in: 'path', name }) as const;
export const inQuery = (name: string) => ({ in: 'query', name }) as const;
export const inHeader = (name: string) => ({ in: 'header', name }) as const;

const ANY_KEY = /^([a-zA-Z0-9!_.*'()-][/a-zA-Z0-9!_.*'()-]*)?$/;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export const ProjectName = (o?: Options) => Type.RegExp(/^[a-zA-Z0-9][a-zA-Z0-9_-]*$/, { minLength: 1, maxLength: 255, ...o });
export const DatasetType = (o?: Options) => Type.Unsafe<'train' | 'test'>(Type.RegExp(/^(train|test)$/, { minLength: 1, maxLength: 10, ...o }));
/** X-Amzn-Client-Token: the idempotency token (the SDKs fill in a UUID). */
export const ClientToken = () => Type.Optional(Type.RegExp(/^[a-zA-Z0-9-]+$/, { minLength: 1, maxLength: 64, ...inHeader('x-amzn-client-token') }));
export const MaxResults = () => Type.Optional(Type.Integer({ minimum: 1, maximum: 100, ...inQuery('maxResults') }));
export const NextToken = () => Type.Optional(Type.RegExp(/^[A-Za-z0-9/+=]{0,2048}$/, { maxLength: 2048, message: 'The pagination token is invalid.', ...inQuery('nextToken') }));
/** A version number, or `latest` where the operation takes it. */
export const ModelVersion = (o: Options = inPath('modelVersion')) =>
  Type.RegExp(/^([1-9][0-9]{0,9}|latest)$/, { minLength: 1, maxLength: 10, message: "ModelVersion '{value}' is not a version number or latest.", ...o });
export const ModelVersionNoLatest = () =>
  Type.RegExp(/^[1-9][0-9]{0,9}$/, { minLength: 1, maxLength: 10, message: 'ModelVersion must be a version number (latest is not accepted by DeleteModel).', ...inPath('modelVersion') });
export const S3BucketName = () => Type.RegExp(/^[0-9A-Za-z.\-_]*$/, { minLength: 3, maxLength: 63 });
export const S3ObjectKey = () => Type.RegExp(ANY_KEY, { minLength: 1, maxLength: 1024 });
export const S3ObjectVersion = () => Type.String({ minLength: 1, maxLength: 1024 });
export const S3KeyPrefix = (o?: Options) => Type.RegExp(ANY_KEY, { maxLength: 1024, ...o });
export const KmsKeyId = (o?: Options) => Type.RegExp(/^[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,2048}$/, { minLength: 1, maxLength: 2048, ...o });
export const AnomalyClass = (o?: Options) => Type.Unsafe<'normal' | 'anomaly'>(Type.RegExp(/^(normal|anomaly)$/, { minLength: 1, maxLength: 10, ...o }));
export const QueryString = (o?: Options) => Type.RegExp(/\S/, { minLength: 1, maxLength: 2048, ...o });
/** A tag ARN (TagArn): its length only; whether it names a model here is the service's question. */
export const ResourceArn = () => Type.String({ minLength: 1, maxLength: 1011, message: 'ResourceArn must be 1 to 1011 characters.', ...inPath('resourceArn') });
/** UpdateDatasetEntries' Changes: base64 (decoded by requestInput.ts) of JSON Lines manifest entries. */
export const DatasetChanges = () => Type.Uint8Array({ minByteLength: 1, maxByteLength: MAX_CHANGES_BYTES, missingMessage: 'Changes is required: base64 of JSON Lines manifest entries.' });

/*
 * Model packaging (StartModelPackagingJob and GreengrassConfiguration in the API reference). Which targets Vigil
 * can build for, and the rules that tie TargetDevice, TargetPlatform and CompilerOptions together, are the
 * service's (modelPackaging.ts).
 */
const PACKAGING_TEXT = /^[a-zA-Z0-9\-_. ()':,;?]+$/;
export const ModelPackagingJobName = (o?: Options) => Type.RegExp(/^[a-zA-Z0-9-]+$/, { minLength: 1, maxLength: 64, ...o });
export const ModelPackagingJobDescription = (o?: Options) => Type.RegExp(PACKAGING_TEXT, { minLength: 1, maxLength: 256, ...o });
export const ComponentName = (o?: Options) => Type.RegExp(/^[a-zA-Z0-9\-_.]+$/, { minLength: 1, maxLength: 128, ...o });
export const ComponentVersion = (o?: Options) => Type.RegExp(/^([0-9]{1,6})\.([0-9]{1,6})\.([0-9]{1,6})$/, { minLength: 1, maxLength: 64, ...o });
export const ComponentDescription = (o?: Options) => Type.RegExp(PACKAGING_TEXT, { minLength: 1, maxLength: 256, ...o });
/** A JSON object inside a string; what it may hold depends on the target (the service checks it). */
export const CompilerOptions = (o?: Options) => Type.String({ minLength: 3, maxLength: 1024, ...o });
export const TargetDevice = (o?: Options) => Type.Unsafe<'jetson_xavier'>(Type.RegExp(/^jetson_xavier$/, { message: '{member} must be jetson_xavier.', ...o }));
export const TargetPlatform = (o?: Options) =>
  Type.Object(
    {
      Os: Type.Unsafe<'LINUX'>(Type.RegExp(/^LINUX$/, { message: '{member} must be LINUX.' })),
      Arch: Type.Unsafe<'X86_64' | 'ARM64'>(Type.RegExp(/^(X86_64|ARM64)$/, { message: '{member} must be X86_64 or ARM64.' })),
      Accelerator: Type.Optional(Type.Unsafe<'NVIDIA'>(Type.RegExp(/^NVIDIA$/, { message: '{member} must be NVIDIA or absent (CPU).' }))),
    },
    { missingMessage: '{member} must be {"Os", "Arch", "Accelerator"?}.', ...o },
  );

/** Tag keys and values (https://docs.aws.amazon.com/lookout-for-vision/latest/APIReference/API_Tag.html). */
export const TagText = (min: number, max: number, member: string) =>
  Type.RegExp(TAG_TEXT, { minLength: min, maxLength: max, message: `${member} must be ${min} to ${max} letters, digits, spaces or _ . : / = + - @.` });
const TAG_KEY_MESSAGE = TagText(1, 128, 'Tag Key').message as string;
export const Tag = () => Type.Object({ Key: TagText(1, 128, 'Tag Key'), Value: TagText(0, 256, 'Tag Value') }, { missingMessage: TAG_KEY_MESSAGE });
/** At most 200 tags in a request. */
export const TagList = (missingMessage: string) => Type.Array(Tag(), { maxItems: 200, missingMessage, message: 'Tags may hold at most 200 tags.' });

/** The location a member schema declares. */
export function bindingOf(schema: TSchema): Binding | undefined {
  return (schema as Partial<Binding>).in === undefined ? undefined : (schema as unknown as Binding);
}
