import { BucketError } from '../../service/bucketErrors.js';
import { assertPrivateGrantees, assertPrivatePolicy, assertPublicAccessBlocked } from '../../service/publicAccess.js';
import type { S3BucketHandler, S3Handler } from './call.js';
import { S3ProtocolError } from './errors.js';
import { checkWriteHeaders } from './objectHeaders.js';
import { OWNER } from './owner.js';
import { children, childText, parseXmlBody, sendXml } from './xml.js';

/**
 * Public access can never be granted (README, Security model): the block is always on, public ACLs
 * and "*" policies are refused, private ACLs are accepted as the no-op they are.
 */
const BLOCK_FLAGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'];

export const getPublicAccessBlock: S3BucketHandler = async (call) => {
  await call.services.buckets.headBucket(call.bucket);
  return sendXml(call.reply, 'PublicAccessBlockConfiguration', Object.fromEntries(BLOCK_FLAGS.map((flag) => [flag, true])));
};

export const putPublicAccessBlock: S3BucketHandler = async (call) => {
  const document = parseXmlBody(await call.smallBody(), 'PublicAccessBlockConfiguration');
  await call.services.buckets.headBucket(call.bucket);
  assertPublicAccessBlocked(Object.fromEntries(BLOCK_FLAGS.map((flag) => [flag, childText(document, flag)?.toLowerCase() === 'true'])));
  return call.reply.code(200).send();
};

export const deletePublicAccessBlock: S3BucketHandler = async (call) => {
  await call.services.buckets.headBucket(call.bucket);
  assertPublicAccessBlocked(Object.fromEntries(BLOCK_FLAGS.map((flag) => [flag, false])));
};

export const getBucketPolicyStatus: S3BucketHandler = async (call) => {
  await call.services.buckets.headBucket(call.bucket);
  return sendXml(call.reply, 'PolicyStatus', { IsPublic: false });
};

/** A public policy is refused; other policies are not evaluated here, so they are not accepted either. */
export const putBucketPolicy: S3BucketHandler = async (call) => {
  const body = await call.smallBody(20 * 1024);
  await call.services.buckets.headBucket(call.bucket);
  assertPrivatePolicy(body.toString('utf8'));
  throw new S3ProtocolError('NotImplemented', "Bucket policies are not supported: access is limited to this server's own access keys.");
};

export const getBucketPolicy: S3BucketHandler = async (call) => {
  await call.services.buckets.headBucket(call.bucket);
  throw new BucketError('NoSuchBucketPolicy', 'The bucket policy does not exist.', { bucket: call.bucket });
};

export const deleteBucketPolicy: S3BucketHandler = async (call) => {
  await call.services.buckets.headBucket(call.bucket);
  return call.reply.code(204).send();
};

/** PUT ?acl on a bucket or object: headers or an AccessControlPolicy document, private only. */
async function putAcl(call: Parameters<S3BucketHandler>[0]): Promise<void> {
  checkWriteHeaders(call);
  const body = await call.smallBody();
  if (body.length) {
    const policy = parseXmlBody(body, 'AccessControlPolicy');
    const grants = children((policy as Record<string, unknown>).AccessControlList, 'Grant');
    assertPrivateGrantees(grants.map((grant) => JSON.stringify(grant)));
  }
}

export const putBucketAcl: S3BucketHandler = async (call) => {
  await putAcl(call);
  await call.services.buckets.headBucket(call.bucket);
  return call.reply.code(200).send();
};

export const putObjectAcl: S3Handler = async (call) => {
  await putAcl(call);
  await call.services.buckets.headObject(call.bucket, call.key, call.query.get('versionId'));
  return call.reply.code(200).send();
};

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

export const getBucketAcl: S3BucketHandler = async (call) => {
  await call.services.buckets.headBucket(call.bucket);
  return sendXml(call.reply, 'AccessControlPolicy', ownerOnlyAcl());
};

/** Objects carry no tags here (x-amz-tagging and PutObjectTagging are refused): an empty set, as aws s3 cp reads before copying. */
export const getObjectTagging: S3Handler = async (call) => {
  await call.services.buckets.headObject(call.bucket, call.key, call.query.get('versionId'));
  return sendXml(call.reply, 'Tagging', { TagSet: '' });
};

export const getObjectAcl: S3Handler = async (call) => {
  await call.services.buckets.headObject(call.bucket, call.key, call.query.get('versionId'));
  return sendXml(call.reply, 'AccessControlPolicy', ownerOnlyAcl());
};
