import { Type } from '@sinclair/typebox';
import { inQuery, ResourceArn, TagList, TagText } from './members.js';
import { operation } from './operation.js';

const TAGS = '/tags/:resourceArn';

export const tagResource = operation({
  name: 'TagResource',
  method: 'POST',
  path: TAGS,
  status: 200,
  input: Type.Object({ ResourceArn: ResourceArn(), Tags: TagList('Tags is required: a list of {Key, Value}.') }),
  async handle(input, { tags }) {
    await tags.tag({ resourceArn: input.ResourceArn, tags: input.Tags.map((t) => ({ key: t.Key, value: t.Value })) });
    return {};
  },
});

export const untagResource = operation({
  name: 'UntagResource',
  method: 'DELETE',
  path: TAGS,
  status: 200,
  input: Type.Object({
    ResourceArn: ResourceArn(),
    TagKeys: Type.Array(TagText(1, 128, 'TagKeys member'), { maxItems: 200, missingMessage: 'TagKeys is required.', message: 'TagKeys may hold at most 200 keys.', ...inQuery('tagKeys') }),
  }),
  async handle(input, { tags }) {
    await tags.untag({ resourceArn: input.ResourceArn, tagKeys: input.TagKeys });
    return {};
  },
});

export const listTagsForResource = operation({
  name: 'ListTagsForResource',
  method: 'GET',
  path: TAGS,
  status: 200,
  input: Type.Object({ ResourceArn: ResourceArn() }),
  async handle(input, { tags }) {
    const list = await tags.list({ resourceArn: input.ResourceArn });
    return { Tags: list.map((t) => ({ Key: t.key, Value: t.value })) };
  },
});
