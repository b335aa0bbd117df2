import { Type } from '@sinclair/typebox';
import { checkObjectTags } from '../../service/objectTags.js';
import { readXmlBody, XmlText, xmlBody } from './bodies.js';
import { objectOperation, VersionId } from './members.js';
import { sendXml } from './xml.js';

/** The tags of one version of an object: of the current one, or of the one versionId names. */
export const ObjectTaggingInput = Type.Object({ versionId: VersionId() });

/** PUT /bucket/key?tagging: <Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>, replacing the tags. */
export const TaggingBody = xmlBody(
  'Tagging',
  Type.Object({
    TagSet: Type.Object(
      { Tag: Type.Array(Type.Object({ Key: XmlText({ raw: true, message: 'Every Tag needs a Key.' }), Value: XmlText({ raw: true, message: 'Every Tag needs a Value.' }) })) },
      { message: 'The XML you provided was not well-formed or did not validate: Tagging needs a TagSet.' },
    ),
  }),
);

export const putObjectTagging = objectOperation(ObjectTaggingInput, async (call) => {
  const document = await readXmlBody(call, TaggingBody);
  const tags = checkObjectTags(document.TagSet.Tag.map((tag) => [tag.Key, tag.Value]));
  const versionId = await call.services.objectTagging.putObjectTagging(call.bucket, call.key, call.input.versionId, tags);
  if (versionId !== 'null') call.reply.header('x-amz-version-id', versionId);
  return call.reply.code(200).send();
});

export const getObjectTagging = objectOperation(ObjectTaggingInput, async (call) => {
  const { versionId, tags } = await call.services.objectTagging.getObjectTagging(call.bucket, call.key, call.input.versionId);
  if (versionId !== 'null') call.reply.header('x-amz-version-id', versionId);
  const entries = Object.entries(tags);
  // An empty TagSet element, not a missing one, for an object without tags (aws s3 cp reads it before copying).
  return sendXml(call.reply, 'Tagging', { TagSet: entries.length === 0 ? '' : { Tag: entries.map(([Key, Value]) => ({ Key, Value })) } });
});

export const deleteObjectTagging = objectOperation(ObjectTaggingInput, async (call) => {
  const versionId = await call.services.objectTagging.putObjectTagging(call.bucket, call.key, call.input.versionId, {});
  if (versionId !== 'null') call.reply.header('x-amz-version-id', versionId);
  return call.reply.code(204).send();
});
