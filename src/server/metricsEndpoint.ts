import type { FastifyInstance } from 'fastify';
import { sendLookoutVisionError } from './lookoutvision/wireErrors.js';
import type { Services } from './services.js';

/** Where Prometheus scrapes; "_" cannot start a bucket name, so no S3 path is taken. */
export const METRICS_PATH = '/_vigil/metrics';

/**
 * The Prometheus endpoint. Scrapers authenticate with HTTP Basic (access key id as user name,
 * secret access key as password — Prometheus' basic_auth, over TLS) or with a SigV4 signature.
 */
export async function metricsEndpoint(app: FastifyInstance, options: { services: Services }): Promise<void> {
  const { services } = options;
  app.setErrorHandler((error, _request, reply) => sendLookoutVisionError(reply, error));
  app.get(METRICS_PATH, { config: { auth: { service: 'lookoutvision', payload: 'body', basic: true } } }, async (_request, reply) => {
    reply.header('content-type', services.metrics.registry.contentType);
    return services.metrics.registry.metrics();
  });
}
