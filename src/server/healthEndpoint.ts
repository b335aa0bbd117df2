import type { FastifyInstance } from 'fastify';
import type { Services } from './services.js';

/** Where load balancers and orchestrators look; "_" cannot start a bucket name, so no S3 path is taken. */
export const HEALTH_PATH = '/_vigil/health';
export const LIVENESS_PATH = '/_vigil/health/live';

/**
 * Health checks, without authentication (a load balancer holds no keys) and without secrets:
 * `GET /_vigil/health` is readiness (200 when the database and the object store answer, 503 otherwise,
 * a JSON report either way); `GET /_vigil/health/live` is liveness (200 while the process serves).
 */
export async function healthEndpoint(app: FastifyInstance, options: { services: Services }): Promise<void> {
  const { services } = options;
  app.get(HEALTH_PATH, { config: { auth: 'public' } }, async (_request, reply) => {
    const report = await services.health.check();
    reply.code(report.ready ? 200 : 503).header('cache-control', 'no-store');
    return report;
  });
  app.get(LIVENESS_PATH, { config: { auth: 'public' } }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { live: true };
  });
}
