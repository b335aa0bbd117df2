import { Type } from '@sinclair/typebox';
import { BucketError } from '../../service/bucketErrors.js';
import { OptionalXmlText, readOptionalXmlBody, readXmlBody, XmlText, xmlBody } from './bodies.js';
import { bucketOperation, inQuery, NoInput, QueryText, serviceOperation } from './members.js';
import { OWNER } from './owner.js';
import { assertPrivateAclHeaders, WriteRefusalHeaders } from './writeHeaders.js';
import { sendXml, xmlDate } from './xml.js';

/** PUT /bucket: an optional CreateBucketConfiguration (any location is accepted: one region here). */
export const CreateBucketBody = xmlBody('CreateBucketConfiguration', Type.Object({ LocationConstraint: OptionalXmlText() }));

/** PUT /bucket's headers: a private ACL only, none of the features Vigil lacks (object lock). */
export const CreateBucketInput = Type.Object(WriteRefusalHeaders);

/**
 * Creating a bucket you own already is 409 BucketAlreadyOwnedByYou, except in us-east-1, where S3 answers
 * 200 OK for legacy compatibility (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html).
 */
export const createBucket = bucketOperation(CreateBucketInput, async (call) => {
  assertPrivateAclHeaders(call.input);
  await readOptionalXmlBody(call, CreateBucketBody);
  try {
    await call.services.buckets.createBucket(call.bucket);
  } catch (error) {
    if (!(error instanceof BucketError && error.code === 'BucketAlreadyOwnedByYou' && call.auth.region === 'us-east-1')) throw error;
  }
  return call.reply.code(200).header('location', `/${call.bucket}`).send();
});

export const headBucket = bucketOperation(NoInput, async (call) => {
  await call.services.buckets.headBucket(call.bucket);
  return call.reply.code(200).header('x-amz-bucket-region', call.auth.region).send();
});

/** GET /: every bucket (by name), or pages of max-buckets with a continuation token (the last name shown, base64url). */
export const ListBucketsInput = Type.Object({
  prefix: QueryText('prefix'),
  maxBuckets: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, message: 'Argument max-buckets must be an integer between 1 and 10000.', ...inQuery('max-buckets') })),
  continuationToken: QueryText('continuation-token'),
});

export const listBuckets = serviceOperation(ListBucketsInput, async (call) => {
  const { prefix, maxBuckets, continuationToken } = call.input;
  const after = continuationToken ? bucketTokenOf(continuationToken) : undefined;
  const buckets = (await call.services.buckets.listBuckets()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const matching = buckets.filter((b) => (!prefix || b.name.startsWith(prefix)) && (after === undefined || b.name > after));
  const shown = maxBuckets === undefined ? matching : matching.slice(0, maxBuckets);
  const truncated = shown.length < matching.length;
  return sendXml(call.reply, 'ListAllMyBucketsResult', {
    Owner: OWNER,
    Buckets: { Bucket: shown.map((b) => ({ Name: b.name, CreationDate: xmlDate(b.createdAt), BucketRegion: call.auth.region })) },
    ContinuationToken: truncated ? Buffer.from(shown[shown.length - 1].name, 'utf8').toString('base64url') : undefined,
    Prefix: prefix,
  });
});

function bucketTokenOf(token: string): string {
  const name = Buffer.from(token, 'base64url').toString('utf8');
  if (name === '' || Buffer.from(name, 'utf8').toString('base64url') !== token) throw new BucketError('InvalidArgument', 'The continuation token provided is incorrect');
  return name;
}

/** DELETE /bucket: an empty bucket (no versions, no delete markers) goes, with its unfinished multipart uploads (S3 deletes those too). */
export const deleteBucket = bucketOperation(NoInput, async (call) => {
  const { buckets, multipartUploads } = call.services;
  if ((await buckets.listObjectVersions(call.bucket, { maxKeys: 1 })).versions.length === 0) {
    for (const upload of await multipartUploads.listUploads(call.bucket)) await multipartUploads.abort(call.bucket, upload.key, upload.uploadId);
  }
  await buckets.deleteBucket(call.bucket);
  return call.reply.code(204).send();
});

export const getBucketLocation = bucketOperation(NoInput, async (call) => {
  await call.services.buckets.headBucket(call.bucket);
  return sendXml(call.reply, 'LocationConstraint', { '#text': call.auth.region === 'us-east-1' ? '' : call.auth.region });
});

/** Status Enabled or Suspended (a bucket never goes back to unversioned); MFA delete is not offered. */
export const VersioningConfigurationBody = xmlBody(
  'VersioningConfiguration',
  Type.Object({
    Status: XmlText({ pattern: '^(Enabled|Suspended)$', message: 'The XML you provided was not well-formed or did not validate against our published schema: Status is Enabled or Suspended.' }),
    MfaDelete: OptionalXmlText({
      pattern: '^Disabled$',
      message: 'The XML you provided was not well-formed or did not validate against our published schema: MfaDelete is Enabled or Disabled.',
      unsupported: { Enabled: 'MFA delete is not supported by this server.' },
    }),
  }),
);

export const putBucketVersioning = bucketOperation(NoInput, async (call) => {
  const document = await readXmlBody(call, VersioningConfigurationBody);
  await call.services.buckets.headBucket(call.bucket);
  await call.services.bucketSettings.putBucketVersioning(call.bucket, document.Status as 'Enabled' | 'Suspended');
  return call.reply.code(200).send();
});

/** No Status until versioning was set, as on S3. */
export const getBucketVersioning = bucketOperation(NoInput, async (call) => {
  const bucket = await call.services.buckets.headBucket(call.bucket);
  return sendXml(call.reply, 'VersioningConfiguration', { Status: bucket.versioning });
});
