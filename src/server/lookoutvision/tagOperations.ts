import type { LookoutVisionOperation } from './operation.js';
import { jsonBody, pathLabel } from './requestInput.js';

const TAGS = '/tags/:resourceArn';

export const tagResource: LookoutVisionOperation = {
  name: 'TagResource',
  method: 'POST',
  path: TAGS,
  status: 200,
  async handle(request, { tags }) {
    await tags.tag({ resourceArn: pathLabel(request, 'resourceArn'), tags: jsonBody(request).Tags });
    return {};
  },
};

export const untagResource: LookoutVisionOperation = {
  name: 'UntagResource',
  method: 'DELETE',
  path: TAGS,
  status: 200,
  async handle(request, { tags }) {
    const keys = (request.query as Record<string, string | string[] | undefined>).tagKeys;
    await tags.untag({ resourceArn: pathLabel(request, 'resourceArn'), tagKeys: keys === undefined ? undefined : [keys].flat() });
    return {};
  },
};

export const listTagsForResource: LookoutVisionOperation = {
  name: 'ListTagsForResource',
  method: 'GET',
  path: TAGS,
  status: 200,
  async handle(request, { tags }) {
    const list = await tags.list({ resourceArn: pathLabel(request, 'resourceArn') });
    return { Tags: list.map((t) => ({ Key: t.key, Value: t.value })) };
  },
};
