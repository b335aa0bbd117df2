import { type Static, Type } from '@sinclair/typebox';
import { BucketError } from '../../service/bucketErrors.js';
import { assertPrivateGrantees, assertPrivatePolicy, assertPublicAccessBlocked } from '../../service/publicAccess.js';
import { OptionalXmlText, readOptionalXmlBody, readXmlBody, xmlBody } from './bodies.js';
import type { S3BucketHandler } from './call.js';
import { S3ProtocolError } from './errors.js';
import { bucketOperation, NoInput, objectOperation, QueryText } from './members.js';
import { OWNER } from './owner.js';
import { assertPrivateAclHeaders, WriteRefusalHeaders } from './writeHeaders.js';
import { sendXml } from './xml.js';

/**
 * Public access can never be granted (README, Security model): the block is always on, public ACLs
 * and "*" policies are refused, private ACLs are accepted as the no-op they are.
 */
const BLOCK_FLAGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

/** PUT /bucket?publicAccessBlock: each flag is on only when it reads "true" (any case); the service refuses any flag off. */
export const PutPublicAccessBlockBody = xmlBody(
  'PublicAccessBlockConfiguration',
  Type.Object({ BlockPublicAcls: OptionalXmlText(), IgnorePublicAcls: OptionalXmlText(), BlockPublicPolicy: OptionalXmlText(), RestrictPublicBuckets: OptionalXmlText() }),
);

/** PUT ?acl: an AccessControlPolicy whose grants are only searched for public grantees. */
export const PutAclBody = xmlBody('AccessControlPolicy', Type.Object({ AccessControlList: Type.Optional(Type.Object({ Grant: Type.Array(Type.Unknown()) })) }));

/** The versionId of an object ACL request, passed as given. */
const ObjectSubresourceInput = Type.Object({ versionId: QueryText('versionId') });

/** PUT ?acl: the ACL headers (private only) and the headers of features Vigil lacks; an object's version too. */
export const PutBucketAclInput = Type.Object(WriteRefusalHeaders);
export const PutObjectAclInput = Type.Object({ versionId: QueryText('versionId'), ...WriteRefusalHeaders });

export const getPublicAccessBlock = bucketOperation(NoInput, async (call) => {
  await call.services.buckets.headBucket(call.bucket);
  return sendXml(call.reply, 'PublicAccessBlockConfiguration', Object.fromEntries(BLOCK_FLAGS.map((flag) => [flag, true])));
});

export const putPublicAccessBlock = bucketOperation(NoInput, async (call) => {
  const document = await readXmlBody(call, PutPublicAccessBlockBody);
  await call.services.buckets.headBucket(call.bucket);
  assertPublicAccessBlocked(Object.fromEntries(BLOCK_FLAGS.map((flag) => [flag, document[flag]?.toLowerCase() === 'true'])));
  return call.reply.code(200).send();
});

export const deletePublicAccessBlock = bucketOperation(NoInput, async (call) => {
  await call.services.buckets.headBucket(call.bucket);
  assertPublicAccessBlocked(Object.fromEntries(BLOCK_FLAGS.map((flag) => [flag, false])));
});

export const getBucketPolicyStatus = bucketOperation(NoInput, async (call) => {
  await call.services.buckets.headBucket(call.bucket);
  return sendXml(call.reply, 'PolicyStatus', { IsPublic: false });
});

/** A public policy is refused; other policies are not evaluated here, so they are not accepted either. */
export const putBucketPolicy = bucketOperation(NoInput, async (call) => {
  const body = await call.smallBody(20 * 1024);
  await call.services.buckets.headBucket(call.bucket);
  assertPrivatePolicy(body.toString('utf8'));
  throw new S3ProtocolError('NotImplemented', "Bucket policies are not supported: access is limited to this server's own access keys.");
});

export const getBucketPolicy = bucketOperation(NoInput, async (call) => {
  await call.services.buckets.headBucket(call.bucket);
  throw new BucketError('NoSuchBucketPolicy', 'The bucket policy does not exist.', { bucket: call.bucket });
});

export const deleteBucketPolicy = bucketOperation(NoInput, async (call) => {
  await call.services.buckets.headBucket(call.bucket);
  return call.reply.code(204).send();
});

/** PUT ?acl on a bucket or object: headers or an AccessControlPolicy document, private only. */
async function putAcl(call: Parameters<S3BucketHandler>[0] & { input: Static<typeof PutBucketAclInput> }): Promise<void> {
  assertPrivateAclHeaders(call.input);
  const policy = await readOptionalXmlBody(call, PutAclBody);
  assertPrivateGrantees((policy?.AccessControlList?.Grant ?? []).map((grant) => JSON.stringify(grant)));
}

export const putBucketAcl = bucketOperation(PutBucketAclInput, async (call) => {
  await putAcl(call);
  await call.services.buckets.headBucket(call.bucket);
  return call.reply.code(200).send();
});

export const putObjectAcl = objectOperation(PutObjectAclInput, async (call) => {
  await putAcl(call);
  await call.services.buckets.existingObject(call.bucket, call.key, call.input.versionId);
  return call.reply.code(200).send();
});

function ownerOnlyAcl() {
  return {
    Owner: OWNER,
    AccessControlList: {
      Grant: [
        {
          Grantee: { '@_xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', '@_xsi:type': 'CanonicalUser', ...OWNER },
          Permission: 'FULL_CONTROL',
        },
      ],
    },
  };
}

export const getBucketAcl = bucketOperation(NoInput, async (call) => {
  await call.services.buckets.headBucket(call.bucket);
  return sendXml(call.reply, 'AccessControlPolicy', ownerOnlyAcl());
});

export const getObjectAcl = objectOperation(ObjectSubresourceInput, async (call) => {
  await call.services.buckets.existingObject(call.bucket, call.key, call.input.versionId);
  return sendXml(call.reply, 'AccessControlPolicy', ownerOnlyAcl());
});
