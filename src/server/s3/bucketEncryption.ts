import { BucketError } from '../../service/bucketErrors.js';
import type { S3BucketHandler } from './call.js';
import { S3ProtocolError } from './errors.js';
import { children, childText, parseXmlBody, sendXml } from './xml.js';

/** PUT /bucket?encryption: the bucket's default, AES256 or aws:kms with an optional KMSMasterKeyID. */
export const putBucketEncryption: S3BucketHandler = async (call) => {
  const document = parseXmlBody(await call.smallBody(), 'ServerSideEncryptionConfiguration');
  const rules = children(document, 'Rule');
  if (rules.length !== 1) throw new BucketError('MalformedXML', 'ServerSideEncryptionConfiguration must hold exactly one Rule.');
  const defaults = (rules[0] as Record<string, unknown>).ApplyServerSideEncryptionByDefault;
  const algorithm = childText(defaults, 'SSEAlgorithm');
  const kmsKeyId = childText(defaults, 'KMSMasterKeyID') || undefined;
  if (algorithm === 'aws:kms:dsse') throw new S3ProtocolError('NotImplemented', 'Dual-layer SSE-KMS (aws:kms:dsse) is not supported.');
  if (algorithm !== 'AES256' && algorithm !== 'aws:kms') throw new BucketError('MalformedXML', 'SSEAlgorithm must be AES256 or aws:kms.');
  await call.services.buckets.putBucketEncryption(call.bucket, { algorithm, kmsKeyId });
  return call.reply.code(200).send();
};

export const getBucketEncryption: S3BucketHandler = async (call) => {
  const encryption = await call.services.buckets.getBucketEncryption(call.bucket);
  return sendXml(call.reply, 'ServerSideEncryptionConfiguration', {
    Rule: {
      ApplyServerSideEncryptionByDefault: {
        SSEAlgorithm: encryption.algorithm,
        KMSMasterKeyID: encryption.algorithm === 'aws:kms' ? encryption.kmsKeyId : undefined,
      },
      BucketKeyEnabled: false,
    },
  });
};

export const deleteBucketEncryption: S3BucketHandler = async (call) => {
  await call.services.buckets.deleteBucketEncryption(call.bucket);
  return call.reply.code(204).send();
};
