import { Type } from '@sinclair/typebox';
import { OptionalXmlText, readXmlBody, XmlText, xmlBody } from './bodies.js';
import { bucketOperation, NoInput } from './members.js';
import { sendXml } from './xml.js';

const ALGORITHM_MESSAGE = 'SSEAlgorithm must be AES256 or aws:kms.';

/** PUT /bucket?encryption: the bucket's default, AES256 or aws:kms with an optional KMSMasterKeyID. */
export const PutBucketEncryptionBody = xmlBody(
  'ServerSideEncryptionConfiguration',
  Type.Object({
    Rule: Type.Array(
      Type.Object({
        ApplyServerSideEncryptionByDefault: Type.Object(
          {
            SSEAlgorithm: Type.Unsafe<'AES256' | 'aws:kms'>(
              XmlText({ pattern: '^(AES256|aws:kms)$', message: ALGORITHM_MESSAGE, unsupported: { 'aws:kms:dsse': 'Dual-layer SSE-KMS (aws:kms:dsse) is not supported.' } }),
            ),
            KMSMasterKeyID: OptionalXmlText(),
          },
          { missingMessage: ALGORITHM_MESSAGE },
        ),
      }),
      { minItems: 1, maxItems: 1, message: 'ServerSideEncryptionConfiguration must hold exactly one Rule.' },
    ),
  }),
);

export const putBucketEncryption = bucketOperation(NoInput, async (call) => {
  const [rule] = (await readXmlBody(call, PutBucketEncryptionBody)).Rule;
  const { SSEAlgorithm: algorithm, KMSMasterKeyID: kmsKeyId } = rule.ApplyServerSideEncryptionByDefault;
  await call.services.bucketSettings.putBucketEncryption(call.bucket, { algorithm, kmsKeyId: kmsKeyId || undefined });
  return call.reply.code(200).send();
});

export const getBucketEncryption = bucketOperation(NoInput, async (call) => {
  const encryption = await call.services.bucketSettings.getBucketEncryption(call.bucket);
  return sendXml(call.reply, 'ServerSideEncryptionConfiguration', {
    Rule: {
      ApplyServerSideEncryptionByDefault: {
        SSEAlgorithm: encryption.algorithm,
        KMSMasterKeyID: encryption.algorithm === 'aws:kms' ? encryption.kmsKeyId : undefined,
      },
      BucketKeyEnabled: false,
    },
  });
});

export const deleteBucketEncryption = bucketOperation(NoInput, async (call) => {
  await call.services.bucketSettings.deleteBucketEncryption(call.bucket);
  return call.reply.code(204).send();
});
