import { Type } from '@sinclair/typebox';
import type { ModelRecord } from '../../store/modelRecords.js';
import { ClientToken, inHeader, inPath, KmsKeyId, MaxResults, ModelVersion, ModelVersionNoLatest, NextToken, ProjectName, S3BucketName, S3KeyPrefix, TagList } from './members.js';
import { operation } from './operation.js';
import { epochSeconds } from './requestInput.js';

const MODELS = '/projects/:projectName/models';
const OUTPUT_CONFIG = 'OutputConfig.S3Location is required: {"Bucket", "Prefix"?}.';

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

/** The members that name a model in the path. */
const modelPath = () => ({ ProjectName: ProjectName(inPath('projectName')), ModelVersion: ModelVersion() });

export const createModel = operation({
  name: 'CreateModel',
  method: 'POST',
  path: MODELS,
  status: 202,
  input: Type.Object({
    ProjectName: ProjectName(inPath('projectName')),
    // The reference's pattern ([0-9A-Za-z\.\-_]*) would forbid spaces; whether AWS applied it is unknown, so only the length is held.
    Description: Type.Optional(Type.String({ minLength: 1, maxLength: 500, message: 'Description must be 1 to 500 characters.' })),
    ClientToken: ClientToken(),
    OutputConfig: Type.Object(
      {
        S3Location: Type.Object(
          { Bucket: S3BucketName(), Prefix: Type.Optional(S3KeyPrefix({ message: 'OutputConfig.S3Location.Prefix is not a valid key prefix.' })) },
          { missingMessage: OUTPUT_CONFIG },
        ),
      },
      { missingMessage: OUTPUT_CONFIG },
    ),
    KmsKeyId: Type.Optional(KmsKeyId({ message: 'KmsKeyId is not a key id, key ARN or alias.' })),
    Tags: Type.Optional(TagList('Tags must be a list of {Key, Value}.')),
  }),
  async handle(input, { models }) {
    const location = input.OutputConfig.S3Location;
    const model = await models.create({
      projectName: input.ProjectName,
      description: input.Description,
      output: { bucket: location.Bucket, prefix: location.Prefix ?? '' },
      kmsKeyId: input.KmsKeyId,
      tags: (input.Tags ?? []).map((t) => ({ key: t.Key, value: t.Value })),
      clientToken: input.ClientToken,
    });
    return { ModelMetadata: modelMetadataJson(model) };
  },
});

export const describeModel = operation({
  name: 'DescribeModel',
  method: 'GET',
  path: `${MODELS}/:modelVersion`,
  status: 200,
  input: Type.Object(modelPath()),
  async handle(input, { models }) {
    const model = await models.describe({ projectName: input.ProjectName, modelVersion: input.ModelVersion });
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
});

export const listModels = operation({
  name: 'ListModels',
  method: 'GET',
  path: MODELS,
  status: 200,
  input: Type.Object({ ProjectName: ProjectName(inPath('projectName')), NextToken: NextToken(), MaxResults: MaxResults() }),
  async handle(input, { models }) {
    const page = await models.list({ projectName: input.ProjectName, maxResults: input.MaxResults, nextToken: input.NextToken });
    return { Models: page.models.map(modelMetadataJson), NextToken: page.nextToken };
  },
});

export const deleteModel = operation({
  name: 'DeleteModel',
  method: 'DELETE',
  path: `${MODELS}/:modelVersion`,
  status: 202,
  input: Type.Object({ ProjectName: ProjectName(inPath('projectName')), ModelVersion: ModelVersionNoLatest(), ClientToken: ClientToken() }),
  async handle(input, { models }) {
    const result = await models.delete({ projectName: input.ProjectName, modelVersion: input.ModelVersion, clientToken: input.ClientToken });
    return { ModelArn: result.modelArn };
  },
});

export const startModel = operation({
  name: 'StartModel',
  method: 'POST',
  path: `${MODELS}/:modelVersion/start`,
  status: 202,
  input: Type.Object({
    ...modelPath(),
    MinInferenceUnits: Type.Integer({ minimum: 1 }),
    ClientToken: ClientToken(),
    MaxInferenceUnits: Type.Optional(Type.Integer({ minimum: 1, message: 'MaxInferenceUnits must be an integer of at least MinInferenceUnits.' })),
  }),
  async handle(input, { hosting }) {
    const result = await hosting.start({
      projectName: input.ProjectName,
      modelVersion: input.ModelVersion,
      minInferenceUnits: input.MinInferenceUnits,
      maxInferenceUnits: input.MaxInferenceUnits,
      clientToken: input.ClientToken,
    });
    return { Status: result.status };
  },
});

export const stopModel = operation({
  name: 'StopModel',
  method: 'POST',
  path: `${MODELS}/:modelVersion/stop`,
  status: 202,
  input: Type.Object({ ...modelPath(), ClientToken: ClientToken() }),
  async handle(input, { hosting }) {
    const result = await hosting.stop({ projectName: input.ProjectName, modelVersion: input.ModelVersion, clientToken: input.ClientToken });
    return { Status: result.status };
  },
});

export const detectAnomalies = operation({
  name: 'DetectAnomalies',
  method: 'POST',
  path: `${MODELS}/:modelVersion/detect`,
  status: 200,
  // Images up to 8 MB, sent raw (chunked when the SDK streams a file).
  bodyLimit: 8 * 1024 * 1024 + 1,
  bodyTooLargeMessage: 'The image is larger than 8 MB; DetectAnomalies accepts images up to 8 MB.',
  input: Type.Object({
    ...modelPath(),
    Body: Type.Uint8Array({ in: 'payload' }),
    // Which image types are accepted is the service's rule (an unsupported one counts as an invalid image).
    ContentType: Type.String({ minLength: 1, maxLength: 255, message: 'ContentType must be image/png or image/jpeg.', ...inHeader('content-type') }),
    // Vigil's extension: `x-vigil-anomaly-map: png` adds the anomaly map of any model (ml/anomalyLevels.ts) as
    // VigilAnomalyMap; without the header the answer is Lookout for Vision's, byte for byte.
    AnomalyMap: Type.Optional(Type.Literal('png', { message: "The x-vigil-anomaly-map header must be 'png'.", ...inHeader('x-vigil-anomaly-map') })),
  }),
  async handle(input, { hosting }) {
    const { detection } = await hosting.detect({
      projectName: input.ProjectName,
      modelVersion: input.ModelVersion,
      contentType: input.ContentType,
      body: Buffer.from(input.Body.buffer, input.Body.byteOffset, input.Body.byteLength),
      anomalyLevels: input.AnomalyMap === 'png',
    });
    return {
      DetectAnomalyResult: {
        Source: { Type: 'direct' },
        IsAnomalous: detection.isAnomalous,
        Confidence: detection.confidence,
        Anomalies: detection.anomalies?.map((a) => ({ Name: a.name, PixelAnomaly: { TotalPercentageArea: a.totalPercentageArea, Color: a.color } })),
        AnomalyMask: detection.mask && Buffer.from(detection.mask).toString('base64'),
        VigilAnomalyMap: detection.anomalyLevels && Buffer.from(detection.anomalyLevels).toString('base64'),
      },
    };
  },
});
