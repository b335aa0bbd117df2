import type { ModelRepository, ModelTag } from '../store/modelRecords.js';
import { NotFoundError, ValidationError } from './errors.js';
import { checkAddedTags, checkRemovedKeys } from './reservedTags.js';

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

  async list(input: { resourceArn: string }): Promise<Tag[]> {
    const model = this.model(input.resourceArn);
    const tags = await this.models.tagsOf(model.projectName, model.version);
    if (!tags) throw notFound(model.arn);
    return tags;
  }

  /** Adds tags (their shape checked by the operation's schema) to a model; a model holds at most 200. */
  async tag(input: { resourceArn: string; tags: Tag[] }): Promise<void> {
    const model = this.model(input.resourceArn);
    const added = input.tags;
    checkAddedTags(added);
    const existing = await this.models.tagsOf(model.projectName, model.version);
    if (!existing) throw notFound(model.arn);
    const merged = new Map(existing.map((t) => [t.key, t.value]));
    for (const tag of added) merged.set(tag.key, tag.value);
    if (merged.size > 200) throw new ValidationError(`A model may have at most 200 tags; this would give it ${merged.size}.`);
    if (
      !(await this.models.setTags(
        model.projectName,
        model.version,
        [...merged].map(([key, value]) => ({ key, value })),
      ))
    )
      throw notFound(model.arn);
  }

  async untag(input: { resourceArn: string; tagKeys: string[] }): Promise<void> {
    const model = this.model(input.resourceArn);
    const keys = new Set(input.tagKeys);
    checkRemovedKeys(keys);
    const existing = await this.models.tagsOf(model.projectName, model.version);
    if (!existing) throw notFound(model.arn);
    if (
      !(await this.models.setTags(
        model.projectName,
        model.version,
        existing.filter((t) => !keys.has(t.key)),
      ))
    )
      throw notFound(model.arn);
  }

  private model(resourceArn: string): { arn: string; projectName: string; version: number } {
    const match = MODEL_ARN.exec(resourceArn);
    // Projects and datasets are not taggable; an ARN of another account or region names nothing here.
    if (!match || match[1] !== this.installation.region || match[2] !== this.installation.accountId) throw notFound(resourceArn);
    return { arn: resourceArn, projectName: match[3], version: Number(match[4]) };
  }
}

function notFound(arn: string): NotFoundError {
  return new NotFoundError(`No model has the ARN ${arn}.`, arn, 'MODEL');
}
