import type { LookoutVisionOperation } from './operation.js';
import { datasetMetadataJson } from './projectOperations.js';
import { clientToken, epochSeconds, jsonBody, pathLabel, queryBoolean, queryInteger, queryString, queryTimestamp } from './requestInput.js';

const DATASET = '/projects/:projectName/datasets';

export const createDataset: LookoutVisionOperation = {
  name: 'CreateDataset',
  method: 'POST',
  path: DATASET,
  status: 202,
  async handle(request, { datasets }) {
    const body = jsonBody(request);
    const dataset = await datasets.create({
      projectName: pathLabel(request, 'projectName'),
      datasetType: body.DatasetType,
      datasetSource: body.DatasetSource,
      clientToken: clientToken(request),
    });
    return { DatasetMetadata: datasetMetadataJson(dataset) };
  },
};

export const describeDataset: LookoutVisionOperation = {
  name: 'DescribeDataset',
  method: 'GET',
  path: `${DATASET}/:datasetType`,
  status: 200,
  async handle(request, { datasets }) {
    const d = await datasets.describe({ projectName: pathLabel(request, 'projectName'), datasetType: pathLabel(request, 'datasetType') });
    return {
      DatasetDescription: {
        ProjectName: d.projectName,
        DatasetType: d.datasetType,
        CreationTimestamp: epochSeconds(d.creationTimestamp),
        LastUpdatedTimestamp: epochSeconds(d.lastUpdatedTimestamp),
        Status: d.status,
        StatusMessage: d.statusMessage,
        ImageStats: { Total: d.imageStats.total, Labeled: d.imageStats.labeled, Normal: d.imageStats.normal, Anomaly: d.imageStats.anomaly },
      },
    };
  },
};

export const listDatasetEntries: LookoutVisionOperation = {
  name: 'ListDatasetEntries',
  method: 'GET',
  path: `${DATASET}/:datasetType/entries`,
  status: 200,
  async handle(request, { datasets }) {
    const page = await datasets.listEntries({
      projectName: pathLabel(request, 'projectName'),
      datasetType: pathLabel(request, 'datasetType'),
      filter: {
        labeled: queryBoolean(request, 'labeled'),
        anomalyClass: queryString(request, 'anomalyClass'),
        createdBefore: queryTimestamp(request, 'createdBefore'),
        createdAfter: queryTimestamp(request, 'createdAfter'),
        sourceRefContains: queryString(request, 'sourceRefContains'),
      },
      maxResults: queryInteger(request, 'maxResults'),
      nextToken: queryString(request, 'nextToken'),
    });
    return { DatasetEntries: page.entries, NextToken: page.nextToken };
  },
};

export const updateDatasetEntries: LookoutVisionOperation = {
  name: 'UpdateDatasetEntries',
  method: 'PATCH',
  path: `${DATASET}/:datasetType/entries`,
  status: 202,
  // 10,485,760 bytes of changes arrive as base64 inside JSON: about 14 MB.
  bodyLimit: 15 * 1024 * 1024,
  async handle(request, { datasets }) {
    const body = jsonBody(request);
    const result = await datasets.updateEntries({
      projectName: pathLabel(request, 'projectName'),
      datasetType: pathLabel(request, 'datasetType'),
      changes: body.Changes,
      clientToken: clientToken(request),
    });
    return { Status: result.status };
  },
};

export const deleteDataset: LookoutVisionOperation = {
  name: 'DeleteDataset',
  method: 'DELETE',
  path: `${DATASET}/:datasetType`,
  status: 202,
  async handle(request, { datasets }) {
    await datasets.delete({
      projectName: pathLabel(request, 'projectName'),
      datasetType: pathLabel(request, 'datasetType'),
      clientToken: clientToken(request),
    });
    return {};
  },
};
