import { Type } from '@sinclair/typebox';
import { AnomalyClass, ClientToken, DatasetChanges, DatasetType, inPath, inQuery, MaxResults, NextToken, ProjectName, QueryString, S3BucketName, S3ObjectKey, S3ObjectVersion } from './members.js';
import { operation } from './operation.js';
import { datasetMetadataJson } from './projectOperations.js';
import { epochSeconds } from './requestInput.js';

const DATASET = '/projects/:projectName/datasets';
const DATASET_SOURCE = 'DatasetSource must be {"GroundTruthManifest": {"S3Object": {"Bucket", "Key", "VersionId"?}}}.';
/** The members that name a dataset in the path. */
const datasetPath = () => ({ ProjectName: ProjectName(inPath('projectName')), DatasetType: DatasetType(inPath('datasetType')) });

export const createDataset = operation({
  name: 'CreateDataset',
  method: 'POST',
  path: DATASET,
  status: 202,
  input: Type.Object({
    ProjectName: ProjectName(inPath('projectName')),
    DatasetType: DatasetType(),
    DatasetSource: Type.Optional(
      Type.Object(
        {
          GroundTruthManifest: Type.Object(
            { S3Object: Type.Object({ Bucket: S3BucketName(), Key: S3ObjectKey(), VersionId: Type.Optional(S3ObjectVersion()) }, { missingMessage: DATASET_SOURCE }) },
            { missingMessage: DATASET_SOURCE },
          ),
        },
        { missingMessage: DATASET_SOURCE },
      ),
    ),
    ClientToken: ClientToken(),
  }),
  async handle(input, { datasets }) {
    const object = input.DatasetSource?.GroundTruthManifest.S3Object;
    const dataset = await datasets.create({
      projectName: input.ProjectName,
      datasetType: input.DatasetType,
      manifest: object && { Bucket: object.Bucket, Key: object.Key, VersionId: object.VersionId },
      clientToken: input.ClientToken,
    });
    return { DatasetMetadata: datasetMetadataJson(dataset) };
  },
});

export const describeDataset = operation({
  name: 'DescribeDataset',
  method: 'GET',
  path: `${DATASET}/:datasetType`,
  status: 200,
  input: Type.Object(datasetPath()),
  async handle(input, { datasets }) {
    const d = await datasets.describe({ projectName: input.ProjectName, datasetType: input.DatasetType });
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
});

export const listDatasetEntries = operation({
  name: 'ListDatasetEntries',
  method: 'GET',
  path: `${DATASET}/:datasetType/entries`,
  status: 200,
  input: Type.Object({
    ...datasetPath(),
    Labeled: Type.Optional(Type.Boolean(inQuery('labeled'))),
    AnomalyClass: Type.Optional(AnomalyClass(inQuery('anomalyClass'))),
    BeforeCreationDate: Type.Optional(Type.Date(inQuery('createdBefore'))),
    AfterCreationDate: Type.Optional(Type.Date(inQuery('createdAfter'))),
    NextToken: NextToken(),
    MaxResults: MaxResults(),
    SourceRefContains: Type.Optional(QueryString(inQuery('sourceRefContains'))),
  }),
  async handle(input, { datasets }) {
    const page = await datasets.listEntries({
      projectName: input.ProjectName,
      datasetType: input.DatasetType,
      filter: {
        labeled: input.Labeled,
        anomalyClass: input.AnomalyClass,
        createdBefore: input.BeforeCreationDate,
        createdAfter: input.AfterCreationDate,
        sourceRefContains: input.SourceRefContains,
      },
      maxResults: input.MaxResults,
      nextToken: input.NextToken,
    });
    return { DatasetEntries: page.entries, NextToken: page.nextToken };
  },
});

export const updateDatasetEntries = operation({
  name: 'UpdateDatasetEntries',
  method: 'PATCH',
  path: `${DATASET}/:datasetType/entries`,
  status: 202,
  // 10,485,760 bytes of changes arrive as base64 inside JSON: about 14 MB.
  bodyLimit: 15 * 1024 * 1024,
  input: Type.Object({ ...datasetPath(), Changes: DatasetChanges(), ClientToken: ClientToken() }),
  async handle(input, { datasets }) {
    const result = await datasets.updateEntries({
      projectName: input.ProjectName,
      datasetType: input.DatasetType,
      changes: Buffer.from(input.Changes.buffer, input.Changes.byteOffset, input.Changes.byteLength),
      clientToken: input.ClientToken,
    });
    return { Status: result.status };
  },
});

export const deleteDataset = operation({
  name: 'DeleteDataset',
  method: 'DELETE',
  path: `${DATASET}/:datasetType`,
  status: 202,
  input: Type.Object({ ...datasetPath(), ClientToken: ClientToken() }),
  async handle(input, { datasets }) {
    await datasets.delete({ projectName: input.ProjectName, datasetType: input.DatasetType, clientToken: input.ClientToken });
    return {};
  },
});
