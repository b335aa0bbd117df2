import type { MetadataStore } from '../store/metadataStore.js';
import type { ModelRecord } from '../store/modelRecords.js';
import { NotFoundError } from './errors.js';
import type { Projects } from './projects.js';

/** The model a request names (a version number, or `latest` where the operation's schema allows it), or NotFound. */
export async function findModel(store: MetadataStore, projects: Projects, projectName: string, version: string): Promise<ModelRecord> {
  const project = await projects.get(projectName);
  const model = version === 'latest' ? await store.models.latest(project.name) : await store.models.get(project.name, Number(version));
  if (!model) throw new NotFoundError(`Project ${project.name} has no model ${version}.`, `${project.name}/${version}`, 'MODEL');
  return model;
}
