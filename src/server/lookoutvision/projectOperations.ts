import { Type } from '@sinclair/typebox';
import type { DatasetMetadata, ProjectMetadata } from '../../service/projects.js';
import { ClientToken, inPath, MaxResults, NextToken, ProjectName } from './members.js';
import { operation } from './operation.js';
import { epochSeconds } from './requestInput.js';

export function projectMetadataJson(p: ProjectMetadata) {
  return { ProjectArn: p.projectArn, ProjectName: p.projectName, CreationTimestamp: epochSeconds(p.creationTimestamp) };
}

export function datasetMetadataJson(d: DatasetMetadata) {
  return { DatasetType: d.datasetType, CreationTimestamp: epochSeconds(d.creationTimestamp), Status: d.status, StatusMessage: d.statusMessage };
}

export const createProject = operation({
  name: 'CreateProject',
  method: 'POST',
  path: '/projects',
  status: 200,
  input: Type.Object({ ProjectName: ProjectName(), ClientToken: ClientToken() }),
  async handle(input, { projects }) {
    const project = await projects.create({ projectName: input.ProjectName, clientToken: input.ClientToken });
    return { ProjectMetadata: projectMetadataJson(project) };
  },
});

export const describeProject = operation({
  name: 'DescribeProject',
  method: 'GET',
  path: '/projects/:projectName',
  status: 200,
  input: Type.Object({ ProjectName: ProjectName(inPath('projectName')) }),
  async handle(input, { projects }) {
    const project = await projects.describe({ projectName: input.ProjectName });
    return { ProjectDescription: { ...projectMetadataJson(project), Datasets: project.datasets.map(datasetMetadataJson) } };
  },
});

export const listProjects = operation({
  name: 'ListProjects',
  method: 'GET',
  path: '/projects',
  status: 200,
  input: Type.Object({ NextToken: NextToken(), MaxResults: MaxResults() }),
  async handle(input, { projects }) {
    const page = await projects.list({ maxResults: input.MaxResults, nextToken: input.NextToken });
    return { Projects: page.projects.map(projectMetadataJson), NextToken: page.nextToken };
  },
});

export const deleteProject = operation({
  name: 'DeleteProject',
  method: 'DELETE',
  path: '/projects/:projectName',
  status: 200,
  input: Type.Object({ ProjectName: ProjectName(inPath('projectName')), ClientToken: ClientToken() }),
  async handle(input, { projects }) {
    const result = await projects.delete({ projectName: input.ProjectName, clientToken: input.ClientToken });
    return { ProjectArn: result.projectArn };
  },
});
