import type { ModelRecord } from '../../store/modelRecords.js';
import type { LookoutVisionOperation } from './operation.js';
import { clientToken, epochSeconds, jsonBody, pathLabel, queryInteger, queryString } from './requestInput.js';

const MODELS = '/projects/:projectName/models';

function performanceJson(model: ModelRecord) {
  const p = model.performance;
  return p && { F1Score: p.f1Score, Recall: p.recall, Precision: p.precision };
}

function modelMetadataJson(model: ModelRecord) {
  return {
    CreationTimestamp: epochSeconds(model.createdAt),
    ModelVersion: String(model.version),
    ModelArn: model.arn,
    Description: model.description,
    Status: model.status,
    StatusMessage: model.statusMessage,
    Performance: performanceJson(model),
  };
}

const modelInput = (request: Parameters<LookoutVisionOperation['handle']>[0]) => ({
  projectName: pathLabel(request, 'projectName'),
  modelVersion: pathLabel(request, 'modelVersion'),
});

export const createModel: LookoutVisionOperation = {
  name: 'CreateModel',
  method: 'POST',
  path: MODELS,
  status: 202,
  async handle(request, { models }) {
    const body = jsonBody(request);
    const model = await models.create({
      projectName: pathLabel(request, 'projectName'),
      description: body.Description,
      outputConfig: body.OutputConfig,
      kmsKeyId: body.KmsKeyId,
      tags: body.Tags,
      clientToken: clientToken(request),
    });
    return { ModelMetadata: modelMetadataJson(model) };
  },
};

export const describeModel: LookoutVisionOperation = {
  name: 'DescribeModel',
  method: 'GET',
  path: `${MODELS}/:modelVersion`,
  status: 200,
  async handle(request, { models }) {
    const model = await models.describe(modelInput(request));
    const object = (key?: string) => key && { Bucket: model.outputBucket, Key: key };
    return {
      ModelDescription: {
        ...modelMetadataJson(model),
        OutputConfig: { S3Location: { Bucket: model.outputBucket, Prefix: model.outputPrefix || undefined } },
        EvaluationManifest: object(model.evaluationManifest),
        EvaluationResult: object(model.evaluationResult),
        EvaluationEndTimestamp: model.evaluationEnd && epochSeconds(model.evaluationEnd),
        KmsKeyId: model.kmsKeyId,
        MinInferenceUnits: model.minInferenceUnits,
        MaxInferenceUnits: model.maxInferenceUnits,
      },
    };
  },
};

export const listModels: LookoutVisionOperation = {
  name: 'ListModels',
  method: 'GET',
  path: MODELS,
  status: 200,
  async handle(request, { models }) {
    const page = await models.list({
      projectName: pathLabel(request, 'projectName'),
      maxResults: queryInteger(request, 'maxResults'),
      nextToken: queryString(request, 'nextToken'),
    });
    return { Models: page.models.map(modelMetadataJson), NextToken: page.nextToken };
  },
};

export const deleteModel: LookoutVisionOperation = {
  name: 'DeleteModel',
  method: 'DELETE',
  path: `${MODELS}/:modelVersion`,
  status: 202,
  async handle(request, { models }) {
    const result = await models.delete({ ...modelInput(request), clientToken: clientToken(request) });
    return { ModelArn: result.modelArn };
  },
};

export const startModel: LookoutVisionOperation = {
  name: 'StartModel',
  method: 'POST',
  path: `${MODELS}/:modelVersion/start`,
  status: 202,
  async handle(request, { hosting }) {
    const body = jsonBody(request);
    const result = await hosting.start({
      ...modelInput(request),
      minInferenceUnits: body.MinInferenceUnits,
      maxInferenceUnits: body.MaxInferenceUnits,
      clientToken: clientToken(request),
    });
    return { Status: result.status };
  },
};

export const stopModel: LookoutVisionOperation = {
  name: 'StopModel',
  method: 'POST',
  path: `${MODELS}/:modelVersion/stop`,
  status: 202,
  async handle(request, { hosting }) {
    const result = await hosting.stop({ ...modelInput(request), clientToken: clientToken(request) });
    return { Status: result.status };
  },
};

export const detectAnomalies: LookoutVisionOperation = {
  name: 'DetectAnomalies',
  method: 'POST',
  path: `${MODELS}/:modelVersion/detect`,
  status: 200,
  // Images up to 8 MB, sent raw (chunked when the SDK streams a file).
  bodyLimit: 8 * 1024 * 1024 + 1,
  async handle(request, { hosting }) {
    const { detection } = await hosting.detect({
      ...modelInput(request),
      contentType: request.headers['content-type'],
      body: Buffer.isBuffer(request.body) ? request.body : undefined,
    });
    return {
      DetectAnomalyResult: {
        Source: { Type: 'direct' },
        IsAnomalous: detection.isAnomalous,
        Confidence: detection.confidence,
        Anomalies: detection.anomalies?.map((a) => ({ Name: a.name, PixelAnomaly: { TotalPercentageArea: a.totalPercentageArea, Color: a.color } })),
        AnomalyMask: detection.mask && Buffer.from(detection.mask).toString('base64'),
      },
    };
  },
};
