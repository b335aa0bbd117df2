import { Type } from '@sinclair/typebox';
import { BucketError } from '../../service/bucketErrors.js';
import type { S3BucketHandler } from './call.js';
import { objectOperation, VersionId } from './members.js';
import { children, childText, parseXmlBody, sendXml } from './xml.js';

export const DeleteObjectInput = Type.Object({ versionId: VersionId() });

export const deleteObject = objectOperation(DeleteObjectInput, async (call) => {
  await call.services.buckets.deleteObject(call.bucket, call.key, call.input.versionId);
  return call.reply.code(204).send();
});

/** POST /bucket?delete: up to 1000 keys; per-key outcomes in DeleteResult (only errors when Quiet). */
export const deleteObjects: S3BucketHandler = async (call) => {
  const document = parseXmlBody(await call.smallBody(2 * 1024 * 1024), 'Delete');
  const objects = children(document, 'Object');
  if (objects.length === 0 || objects.length > 1000) {
    throw new BucketError('MalformedXML', 'The XML you provided was not well-formed or did not validate: Delete holds 1 to 1000 Object elements.');
  }
  const keys = objects.map((object) => {
    const key = childText(object, 'Key', false);
    if (key === undefined) throw new BucketError('MalformedXML', 'Every Object of Delete needs a Key.');
    return { key, versionId: childText(object, 'VersionId') };
  });
  const quiet = childText(document, 'Quiet')?.toLowerCase() === 'true';
  const results = await call.services.buckets.deleteObjects(call.bucket, keys);
  return sendXml(call.reply, 'DeleteResult', {
    Deleted: quiet ? undefined : results.filter((r) => !r.error).map((r) => ({ Key: r.key, VersionId: r.versionId })),
    Error: results.filter((r) => r.error).map((r) => ({ Key: r.key, VersionId: r.versionId, Code: r.error!.code, Message: r.error!.message })),
  });
};
