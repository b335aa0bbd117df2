import type { DatasetRecord } from '../store/datasetRecords.js';
import type { MetadataStore } from '../store/metadataStore.js';
import { ConflictError, NotFoundError } from './errors.js';
import type { Idempotency } from './idempotency.js';
import { decodePageToken, encodePageToken, pageSize } from './pagination.js';

export interface ProjectMetadata {
  projectArn: string;
  projectName: string;
  creationTimestamp: Date;
}

export interface DatasetMetadata {
  datasetType: string;
  creationTimestamp: Date;
  status: string;
  statusMessage?: string;
}

export interface Installation {
  region: string;
  accountId: string;
}

/** Projects: the top-level resource that holds datasets and models. */
export class Projects {
  constructor(
    private readonly store: MetadataStore,
    private readonly idempotency: Idempotency,
    private readonly installation: Installation,
  ) {}

  async create(input: { projectName: string; clientToken?: string }): Promise<ProjectMetadata> {
    const name = input.projectName;
    return this.idempotency.run({ operation: 'CreateProject', resourceId: name, resourceType: 'PROJECT', token: input.clientToken, parameters: { name } }, async () => {
      const record = { name, arn: this.arnOf(name), createdAt: new Date() };
      if (!(await this.store.projects.create(record))) {
        throw new ConflictError(`A project named ${name} already exists.`, name, 'PROJECT');
      }
      return toMetadata(record);
    });
  }

  async describe(input: { projectName: string }): Promise<ProjectMetadata & { datasets: DatasetMetadata[] }> {
    const project = await this.get(input.projectName);
    const datasets = await this.store.datasets.listForProject(project.name);
    return { ...toMetadata(project), datasets: datasets.map(datasetMetadata) };
  }

  async list(input: { maxResults?: number; nextToken?: string }): Promise<{ projects: ProjectMetadata[]; nextToken?: string }> {
    const limit = pageSize(input.maxResults);
    const after = decodePageToken('projects', input.nextToken);
    const page = await this.store.projects.list(limit, after);
    return {
      projects: page.items.map(toMetadata),
      nextToken: page.next === undefined ? undefined : encodePageToken('projects', page.next),
    };
  }

  /** Deletes an empty project; its datasets (and models) must be deleted first. */
  async delete(input: { projectName: string; clientToken?: string }): Promise<{ projectArn: string }> {
    const name = input.projectName;
    return this.idempotency.run({ operation: 'DeleteProject', resourceId: name, resourceType: 'PROJECT', token: input.clientToken, parameters: { name } }, async () => {
      const outcome = await this.store.projects.deleteIfEmpty(name);
      if (outcome === 'notFound') throw projectNotFound(name);
      if (outcome === 'notEmpty') {
        throw new ConflictError(`Project ${name} still has datasets or models; delete them first.`, name, 'PROJECT');
      }
      return { projectArn: this.arnOf(name) };
    });
  }

  /**
   * Writes a record that refers to the project (a dataset, a model). A project deleted since it was checked
   * makes the write's reference fail: that answers ResourceNotFoundException, as if it had been gone before.
   */
  async insertUnder<T>(projectName: string, insert: () => Promise<T>): Promise<T> {
    try {
      return await insert();
    } catch (error) {
      await this.get(projectName);
      throw error;
    }
  }

  /** The project record, or ResourceNotFoundException. */
  async get(projectName: string) {
    const project = await this.store.projects.get(projectName);
    if (!project) throw projectNotFound(projectName);
    return project;
  }

  private arnOf(name: string): string {
    return `arn:aws:lookoutvision:${this.installation.region}:${this.installation.accountId}:project/${name}`;
  }
}

export function projectNotFound(name: string): NotFoundError {
  return new NotFoundError(`Project ${name} does not exist.`, name, 'PROJECT');
}

function toMetadata(record: { name: string; arn: string; createdAt: Date }): ProjectMetadata {
  return { projectArn: record.arn, projectName: record.name, creationTimestamp: record.createdAt };
}

export function datasetMetadata(record: DatasetRecord): DatasetMetadata {
  return {
    datasetType: record.datasetType,
    creationTimestamp: record.createdAt,
    status: record.status,
    statusMessage: record.statusMessage,
  };
}
