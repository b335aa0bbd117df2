import type { MetadataStore } from '../store/metadataStore.js';
import { decodePageToken, encodePageToken, pageSize } from './pagination.js';

export interface ProjectMetadata {
  projectArn: string;
  projectName: string;
  creationTimestamp: Date;
}

/** Projects: the top-level resource that holds datasets and models. */
export class Projects {
  constructor(private readonly store: MetadataStore) {}

  async list(input: { maxResults?: number; nextToken?: string }): Promise<{ projects: ProjectMetadata[]; nextToken?: string }> {
    const limit = pageSize(input.maxResults);
    const after = decodePageToken('projects', input.nextToken);
    const page = await this.store.projects.list(limit, after);
    return {
      projects: page.items.map((p) => ({ projectArn: p.arn, projectName: p.name, creationTimestamp: p.createdAt })),
      nextToken: page.next === undefined ? undefined : encodePageToken('projects', page.next),
    };
  }
}
