import { type TSchema, Type } from '@sinclair/typebox';
import { lifecycleRuleElements } from '../../service/lifecycleConfiguration.js';
import { OptionalXmlText, readXmlBody, xmlBody } from './bodies.js';
import { bucketOperation, NoInput } from './members.js';
import { sendXml } from './xml.js';

/** Every member optional and as text: the rules are checked by the service, with S3's codes for each problem. */
const Optional = <T extends TSchema>(schema: T) => Type.Optional(schema);
const Tags = () => Optional(Type.Array(Type.Object({ Key: OptionalXmlText({ raw: true }), Value: OptionalXmlText({ raw: true }) })));
const Conditions = {
  Prefix: OptionalXmlText({ raw: true }),
  Tag: Tags(),
  ObjectSizeGreaterThan: OptionalXmlText(),
  ObjectSizeLessThan: OptionalXmlText(),
};

/** PUT /bucket?lifecycle: <LifecycleConfiguration><Rule>…</Rule>…</LifecycleConfiguration>, replacing the bucket's rules. */
export const PutBucketLifecycleBody = xmlBody(
  'LifecycleConfiguration',
  Type.Object({
    Rule: Type.Array(
      Type.Object({
        ID: OptionalXmlText(),
        Status: OptionalXmlText(),
        Prefix: OptionalXmlText({ raw: true }),
        Filter: Optional(Type.Object({ ...Conditions, And: Optional(Type.Object(Conditions)) })),
        Expiration: Optional(Type.Object({ Days: OptionalXmlText(), Date: OptionalXmlText(), ExpiredObjectDeleteMarker: OptionalXmlText() })),
        NoncurrentVersionExpiration: Optional(Type.Object({ NoncurrentDays: OptionalXmlText(), NewerNoncurrentVersions: OptionalXmlText() })),
        AbortIncompleteMultipartUpload: Optional(Type.Object({ DaysAfterInitiation: OptionalXmlText() })),
        Transition: Type.Array(Type.Object({ Date: OptionalXmlText(), Days: OptionalXmlText(), StorageClass: OptionalXmlText() })),
        NoncurrentVersionTransition: Type.Array(Type.Object({ NoncurrentDays: OptionalXmlText(), StorageClass: OptionalXmlText() })),
      }),
    ),
  }),
);

export const putBucketLifecycleConfiguration = bucketOperation(NoInput, async (call) => {
  const document = await readXmlBody(call, PutBucketLifecycleBody);
  await call.services.bucketSettings.putBucketLifecycle(call.bucket, document.Rule);
  return call.reply.code(200).send();
});

export const getBucketLifecycleConfiguration = bucketOperation(NoInput, async (call) => {
  const rules = await call.services.bucketSettings.getBucketLifecycle(call.bucket);
  return sendXml(call.reply, 'LifecycleConfiguration', { Rule: lifecycleRuleElements(rules) });
});

export const deleteBucketLifecycle = bucketOperation(NoInput, async (call) => {
  await call.services.bucketSettings.deleteBucketLifecycle(call.bucket);
  return call.reply.code(204).send();
});
