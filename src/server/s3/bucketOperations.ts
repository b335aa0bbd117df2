import type { S3BucketHandler, S3ServiceHandler } from './call.js';
import { checkWriteHeaders } from './objectHeaders.js';
import { OWNER } from './owner.js';
import { parseXmlBody, sendXml, xmlDate } from './xml.js';

/** PUT /bucket: an optional CreateBucketConfiguration (any location is accepted: one region here). */
export const createBucket: S3BucketHandler = async (call) => {
  checkWriteHeaders(call);
  const body = await call.smallBody();
  if (body.length) parseXmlBody(body, 'CreateBucketConfiguration');
  await call.services.buckets.createBucket(call.bucket);
  return call.reply.code(200).header('location', `/${call.bucket}`).send();
};

export const headBucket: S3BucketHandler = async (call) => {
  await call.services.buckets.headBucket(call.bucket);
  return call.reply.code(200).header('x-amz-bucket-region', call.auth.region).send();
};

export const listBuckets: S3ServiceHandler = async (call) => {
  const buckets = await call.services.buckets.listBuckets();
  const prefix = call.query.get('prefix');
  const shown = prefix ? buckets.filter((b) => b.name.startsWith(prefix)) : buckets;
  return sendXml(call.reply, 'ListAllMyBucketsResult', {
    Owner: OWNER,
    Buckets: { Bucket: shown.map((b) => ({ Name: b.name, CreationDate: xmlDate(b.createdAt), BucketRegion: call.auth.region })) },
    Prefix: prefix,
  });
};

export const deleteBucket: S3BucketHandler = async (call) => {
  await call.services.buckets.deleteBucket(call.bucket);
  return call.reply.code(204).send();
};

export const getBucketLocation: S3BucketHandler = async (call) => {
  await call.services.buckets.headBucket(call.bucket);
  return sendXml(call.reply, 'LocationConstraint', { '#text': call.auth.region === 'us-east-1' ? '' : call.auth.region });
};

/** Buckets are unversioned: no Status. */
export const getBucketVersioning: S3BucketHandler = async (call) => {
  await call.services.buckets.headBucket(call.bucket);
  return sendXml(call.reply, 'VersioningConfiguration', {});
};
