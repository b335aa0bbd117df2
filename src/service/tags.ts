import type { ModelRepository, ModelTag } from '../store/modelRecords.js';
import { NotFoundError, ValidationError } from './errors.js';
import { checkAddedTags, checkRemovedKeys } from './reservedTags.js';

/**
 * Tag limits of the API (https://docs.aws.amazon.com/lookout-for-vision/latest/APIReference/API_Tag.html and
 * API_TagResource.html): at most 200 in a request, keys 1..128, values 0..256 characters.
 */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const MODEL_ARN = /^arn:aws:lookoutvision:([a-z0-9-]+):(\d{12}):model\/([a-zA-Z0-9][a-zA-Z0-9_-]*)\/([1-9][0-9]*)$/;

/** A model tag as the API carries it: the store's record. */
export type Tag = ModelTag;

/**
 * Tags on resources. Only models are taggable in Lookout for Vision, so an ARN names a model
 * of this installation or the operation is a ResourceNotFoundException.
 */
export class Tags {
  constructor(
    private readonly models: ModelRepository,
    private readonly installation: { region: string; accountId: string },
  ) {}

  async list(input: { resourceArn: unknown }): Promise<Tag[]> {
    const model = this.model(input.resourceArn);
    const tags = await this.models.tagsOf(model.projectName, model.version);
    if (!tags) throw notFound(model.arn);
    return tags;
  }

  async tag(input: { resourceArn: unknown; tags: unknown }): Promise<void> {
    const model = this.model(input.resourceArn);
    if (!Array.isArray(input.tags)) throw new ValidationError('Tags is required: a list of {Key, Value}.');
    const added = parseTags(input.tags);
    checkAddedTags(added);
    const existing = await this.models.tagsOf(model.projectName, model.version);
    if (!existing) throw notFound(model.arn);
    const merged = new Map(existing.map((t) => [t.key, t.value]));
    for (const tag of added) merged.set(tag.key, tag.value);
    if (merged.size > 200) throw new ValidationError(`A model may have at most 200 tags; this would give it ${merged.size}.`);
    if (!(await this.models.setTags(model.projectName, model.version, [...merged].map(([key, value]) => ({ key, value }))))) throw notFound(model.arn);
  }

  async untag(input: { resourceArn: unknown; tagKeys: unknown }): Promise<void> {
    const model = this.model(input.resourceArn);
    if (!Array.isArray(input.tagKeys)) throw new ValidationError('TagKeys is required.');
    if (input.tagKeys.length > 200) throw new ValidationError('TagKeys may hold at most 200 keys.');
    const keys = new Set(input.tagKeys.map((key: unknown) => tagText(key, 'TagKeys member', 1, 128)));
    checkRemovedKeys(keys);
    const existing = await this.models.tagsOf(model.projectName, model.version);
    if (!existing) throw notFound(model.arn);
    if (!(await this.models.setTags(model.projectName, model.version, existing.filter((t) => !keys.has(t.key))))) throw notFound(model.arn);
  }

  private model(resourceArn: unknown): { arn: string; projectName: string; version: number } {
    if (typeof resourceArn !== 'string' || resourceArn.length < 1 || resourceArn.length > 1011) {
      throw new ValidationError('ResourceArn must be 1 to 1011 characters.');
    }
    const match = MODEL_ARN.exec(resourceArn);
    // Projects and datasets are not taggable; an ARN of another account or region names nothing here.
    if (!match || match[1] !== this.installation.region || match[2] !== this.installation.accountId) throw notFound(resourceArn);
    return { arn: resourceArn, projectName: match[3], version: Number(match[4]) };
  }
}

/** A request's list of {Key, Value} tags (at most 200), checked; absent is no tags. */
export function parseTags(tags: unknown): Tag[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) throw new ValidationError('Tags must be a list of {Key, Value}.');
  if (tags.length > 200) throw new ValidationError('Tags may hold at most 200 tags.');
  return tags.map((tag: unknown) => {
    const { Key, Value } = (tag ?? {}) as { Key?: unknown; Value?: unknown };
    return { key: tagText(Key, 'Tag Key', 1, 128), value: tagText(Value, 'Tag Value', 0, 256) };
  });
}

function tagText(value: unknown, member: string, min: number, max: number): string {
  if (typeof value !== 'string' || value.length < min || value.length > max || !TAG_TEXT.test(value)) {
    throw new ValidationError(`${member} must be ${min} to ${max} letters, digits, spaces or _ . : / = + - @.`);
  }
  return value;
}

function notFound(arn: string): NotFoundError {
  return new NotFoundError(`No model has the ARN ${arn}.`, arn, 'MODEL');
}
