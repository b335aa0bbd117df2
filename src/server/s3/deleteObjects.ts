import { Type } from '@sinclair/typebox';
import { OptionalXmlText, readXmlBody, XmlText, xmlBody } from './bodies.js';
import { bucketOperation, NoInput, objectOperation, VersionId } from './members.js';
import { sendXml } from './xml.js';

export const DeleteObjectInput = Type.Object({ versionId: VersionId() });

/** DELETE /bucket/key[?versionId=V]: x-amz-delete-marker and x-amz-version-id say what a versioned bucket did. */
export const deleteObject = objectOperation(DeleteObjectInput, async (call) => {
  const outcome = await call.services.buckets.deleteObject(call.bucket, call.key, call.input.versionId);
  if (outcome.deleteMarker) call.reply.header('x-amz-delete-marker', 'true');
  if (outcome.versionId !== undefined) call.reply.header('x-amz-version-id', outcome.versionId);
  return call.reply.code(204).send();
});

/** POST /bucket?delete: up to 1000 keys; per-key outcomes in DeleteResult (only errors when Quiet). */
export const DeleteObjectsBody = xmlBody(
  'Delete',
  Type.Object({
    Object: Type.Array(
      // A key is taken exactly as written: spaces around it are part of it.
      Type.Object({ Key: XmlText({ raw: true, message: 'Every Object of Delete needs a Key.' }), VersionId: OptionalXmlText() }),
      { minItems: 1, maxItems: 1000, message: 'The XML you provided was not well-formed or did not validate: Delete holds 1 to 1000 Object elements.' },
    ),
    Quiet: OptionalXmlText(),
  }),
);

export const deleteObjects = bucketOperation(NoInput, async (call) => {
  const document = await readXmlBody(call, DeleteObjectsBody, 2 * 1024 * 1024);
  const keys = document.Object.map((object) => ({ key: object.Key, versionId: object.VersionId }));
  const quiet = document.Quiet?.toLowerCase() === 'true';
  const results = await call.services.buckets.deleteObjects(call.bucket, keys);
  return sendXml(call.reply, 'DeleteResult', {
    Deleted: quiet
      ? undefined
      : results.filter((r) => !r.error).map((r) => ({ Key: r.key, VersionId: r.versionId, DeleteMarker: r.deleteMarker ? true : undefined, DeleteMarkerVersionId: r.deleteMarker?.versionId })),
    Error: results.filter((r) => r.error).map((r) => ({ Key: r.key, VersionId: r.versionId, Code: r.error!.code, Message: r.error!.message })),
  });
});
