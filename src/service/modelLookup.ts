import type { MetadataStore } from '../store/metadataStore.js';
import type { ModelRecord } from '../store/modelRecords.js';
import { NotFoundError, ValidationError } from './errors.js';
import type { Projects } from './projects.js';

const VERSION = /^([1-9][0-9]{0,9}|latest)$/;

/** The model a request names (a version number, or `latest` where the operation allows it), or NotFound. */
export async function findModel(store: MetadataStore, projects: Projects, projectName: unknown, modelVersion: unknown, allowLatest: boolean): Promise<ModelRecord> {
  const project = await projects.get(projectName);
  const version = typeof modelVersion === 'string' ? modelVersion : '';
  if (!VERSION.test(version) || (!allowLatest && version === 'latest')) throw new ValidationError(`ModelVersion '${version}' is not a version number${allowLatest ? ' or latest' : ''}.`);
  const model = version === 'latest' ? await store.models.latest(project.name) : await store.models.get(project.name, Number(version));
  if (!model) throw new NotFoundError(`Project ${project.name} has no model ${version}.`, `${project.name}/${version}`, 'MODEL');
  return model;
}
