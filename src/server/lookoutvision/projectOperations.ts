import type { DatasetMetadata, ProjectMetadata } from '../../service/projects.js';
import type { LookoutVisionOperation } from './operation.js';
import { clientToken, epochSeconds, jsonBody, pathLabel, queryInteger, queryString } from './requestInput.js';

export function projectMetadataJson(p: ProjectMetadata) {
  return { ProjectArn: p.projectArn, ProjectName: p.projectName, CreationTimestamp: epochSeconds(p.creationTimestamp) };
}

export function datasetMetadataJson(d: DatasetMetadata) {
  return { DatasetType: d.datasetType, CreationTimestamp: epochSeconds(d.creationTimestamp), Status: d.status, StatusMessage: d.statusMessage };
}

export const createProject: LookoutVisionOperation = {
  name: 'CreateProject',
  method: 'POST',
  path: '/projects',
  status: 200,
  async handle(request, { projects }) {
    const body = jsonBody(request);
    const project = await projects.create({ projectName: body.ProjectName, clientToken: clientToken(request) });
    return { ProjectMetadata: projectMetadataJson(project) };
  },
};

export const describeProject: LookoutVisionOperation = {
  name: 'DescribeProject',
  method: 'GET',
  path: '/projects/:projectName',
  status: 200,
  async handle(request, { projects }) {
    const project = await projects.describe({ projectName: pathLabel(request, 'projectName') });
    return { ProjectDescription: { ...projectMetadataJson(project), Datasets: project.datasets.map(datasetMetadataJson) } };
  },
};

export const listProjects: LookoutVisionOperation = {
  name: 'ListProjects',
  method: 'GET',
  path: '/projects',
  status: 200,
  async handle(request, { projects }) {
    const page = await projects.list({ maxResults: queryInteger(request, 'maxResults'), nextToken: queryString(request, 'nextToken') });
    return { Projects: page.projects.map(projectMetadataJson), NextToken: page.nextToken };
  },
};

export const deleteProject: LookoutVisionOperation = {
  name: 'DeleteProject',
  method: 'DELETE',
  path: '/projects/:projectName',
  status: 200,
  async handle(request, { projects }) {
    const result = await projects.delete({ projectName: pathLabel(request, 'projectName'), clientToken: clientToken(request) });
    return { ProjectArn: result.projectArn };
  },
};
