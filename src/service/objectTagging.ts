import type { MetadataStore } from '../store/metadataStore.js';
import { noSuchVersion } from './bucketErrors.js';
import type { Buckets } from './buckets.js';

/** GetObjectTagging and PutObjectTagging: the tag set of an object's current version or of a named one. */
export class ObjectTagging {
  constructor(
    private readonly store: MetadataStore,
    private readonly buckets: Buckets,
  ) {}

  /** The tags of the current object or of the named version, and that version's id. */
  async getObjectTagging(bucket: string, key: string, versionId?: string): Promise<{ versionId: string; tags: Record<string, string> }> {
    const object = await this.buckets.existingObject(bucket, key, versionId);
    return { versionId: object.versionId, tags: object.tags ?? {} };
  }

  /** Replaces the tags of the current object or of the named version (an empty set removes them); answers that version's id. */
  async putObjectTagging(bucket: string, key: string, versionId: string | undefined, tags: Record<string, string>): Promise<string> {
    const object = await this.buckets.existingObject(bucket, key, versionId);
    // Gone between the read and the write (deleted, or replaced as the "null" version): as if it had not been there.
    if (!(await this.store.objects.setTags(bucket, key, object.versionId, tags))) throw noSuchVersion(bucket, key);
    return object.versionId;
  }
}
