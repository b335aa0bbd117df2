import type { FastifyInstance, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { AuthError, verifySigV4 } from './auth/sigv4.js';
import { sendLookoutVisionError } from './lookoutvision/wireErrors.js';
import { receivedRequest } from './receivedRequest.js';
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
  app.get(METRICS_PATH, async (request, reply) => {
    await authenticate(request, services);
    reply.header('content-type', services.metrics.registry.contentType);
    return services.metrics.registry.metrics();
  });
}

async function authenticate(request: FastifyRequest, services: Services): Promise<void> {
  const header = request.headers.authorization ?? '';
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
  if (!basic) {
    await verifySigV4(receivedRequest(request), { service: 'lookoutvision', secretFor: (id) => services.accessKeys.secretFor(id) });
    return;
  }
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const secret = colon < 0 ? undefined : await services.accessKeys.secretFor(decoded.slice(0, colon));
  const given = Buffer.from(colon < 0 ? '' : decoded.slice(colon + 1));
  if (secret === undefined || given.length !== Buffer.byteLength(secret) || !timingSafeEqual(given, Buffer.from(secret))) {
    throw new AuthError('UnknownAccessKey', 'The access key id or secret is not valid.');
  }
}
