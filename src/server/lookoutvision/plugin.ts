import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../../service/errors.js';
import type { RouteAuth } from '../auth/authenticate.js';
import { inputValidator } from '../schema.js';
import type { Services } from '../services.js';
import { createDataset, deleteDataset, describeDataset, listDatasetEntries, updateDatasetEntries } from './datasetOperations.js';
import { createModel, deleteModel, describeModel, detectAnomalies, listModels, startModel, stopModel } from './modelOperations.js';
import type { LookoutVisionOperation } from './operation.js';
import { describeModelPackagingJob, listModelPackagingJobs, startModelPackagingJob } from './packagingOperations.js';
import { createProject, deleteProject, describeProject, listProjects } from './projectOperations.js';
import { readInput } from './requestInput.js';
import { listTagsForResource, tagResource, untagResource } from './tagOperations.js';
import { sendLookoutVisionError, UnknownOperationError } from './wireErrors.js';

export const API_VERSION = '2020-11-20';
const operations: LookoutVisionOperation[] = [
  createProject,
  describeProject,
  listProjects,
  deleteProject,
  createDataset,
  describeDataset,
  listDatasetEntries,
  updateDatasetEntries,
  deleteDataset,
  createModel,
  describeModel,
  listModels,
  deleteModel,
  startModel,
  stopModel,
  detectAnomalies,
  startModelPackagingJob,
  describeModelPackagingJob,
  listModelPackagingJobs,
  tagResource,
  untagResource,
  listTagsForResource,
];
/** Bodies of JSON operations; larger limits are set per operation. */
const DEFAULT_BODY_LIMIT = 64 * 1024;
/** Signed for "lookoutvision", over the whole body. */
const AUTH: RouteAuth = { service: 'lookoutvision', payload: 'body' };

/** The Lookout for Vision API (restJson1, SigV4 service "lookoutvision") under /2020-11-20. */
export async function lookoutVisionApi(app: FastifyInstance, options: { services: Services }): Promise<void> {
  const { services } = options;
  app.setErrorHandler((error, _request, reply) => sendLookoutVisionError(reply, error));
  // As on AWS, a request is authenticated before it is found to match no operation (the hook's not-found case).
  app.setNotFoundHandler((request, reply) => {
    reply.header('x-amzn-errortype', 'UnknownOperationException');
    return sendLookoutVisionError(reply, new UnknownOperationError(request.method, request.url));
  });
  // Every path under /2020-11-20 belongs to this API, whatever the method: an unknown one never falls through to S3.
  app.route({
    method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'],
    url: `/${API_VERSION}/*`,
    exposeHeadRoute: false,
    bodyLimit: DEFAULT_BODY_LIMIT,
    config: { auth: AUTH },
    handler: async (request, reply) => {
      reply.header('x-amzn-errortype', 'UnknownOperationException');
      return sendLookoutVisionError(reply, new UnknownOperationError(request.method, request.url));
    },
  });
  for (const operation of operations) {
    const validate = inputValidator(operation.input, (message) => new ValidationError(message));
    app.route({
      method: operation.method,
      url: `/${API_VERSION}${operation.path}`,
      bodyLimit: operation.bodyLimit ?? DEFAULT_BODY_LIMIT,
      config: { auth: AUTH },
      errorHandler: (error, request, reply) => {
        if (operation.bodyTooLargeMessage === undefined || (error as { code?: string }).code !== 'FST_ERR_CTP_BODY_TOO_LARGE') return sendLookoutVisionError(reply, error);
        // Read the rest of the body and answer on the same connection, so the client gets the error rather than a reset while it still sends.
        request.raw.resume();
        return sendLookoutVisionError(reply, new ValidationError(operation.bodyTooLargeMessage));
      },
      handler: async (request, reply) => {
        const result = await operation.handle(validate(readInput(request, operation.input)), services);
        reply.code(operation.status).header('content-type', 'application/json');
        return JSON.stringify(result);
      },
    });
  }
}
