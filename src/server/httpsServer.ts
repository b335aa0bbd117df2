import { randomUUID } from 'node:crypto';
import type { Server } from 'node:https';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import { authenticationHook } from './auth/authenticate.js';
import { signingSecrets } from './auth/signingSecrets.js';
import { consoleAssets } from './console/plugin.js';
import { healthEndpoint } from './healthEndpoint.js';
import { keyRewrapEndpoint } from './keyRewrapEndpoint.js';
import { amzTargetConstraint } from './kms/amzTarget.js';
import { kmsApi } from './kms/plugin.js';
import { lookoutVisionApi } from './lookoutvision/plugin.js';
import { metricsEndpoint } from './metricsEndpoint.js';
import { s3Api } from './s3/plugin.js';
import type { Services } from './services.js';
import { formPostConstraint } from './sts/formPostConstraint.js';
import { stsApi } from './sts/plugin.js';
import type { TlsMaterial } from './tls.js';

/**
 * A custom route constraint. Its type wants every request to derive a value; ours derive undefined for a request
 * that carries none, which the router takes as "match only unconstrained routes".
 */
type RouteConstraint = NonNullable<NonNullable<FastifyServerOptions['routerOptions']>['constraints']>[string];

/** TLS 1.2 suites: ECDHE key exchange with AEAD ciphers only (TLS 1.3 suites are all AEAD). */
const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/**
 * Vigil's one listener: HTTPS only (TLS 1.2+), every response with a request id, Date and HSTS.
 * Request bodies are kept raw (a Buffer) so that signatures can be checked over the exact bytes;
 * each protocol adapter parses them itself.
 */
export async function createHttpsServer(options: { tls: TlsMaterial; logger: Logger; services: Services; accountId: string }): Promise<FastifyInstance<Server>> {
  const app = Fastify({
    https: {
      key: options.tls.key,
      cert: options.tls.cert,
      minVersion: 'TLSv1.2',
      ciphers: TLS12_CIPHERS,
      honorCipherOrder: true,
    },
    loggerInstance: options.logger as FastifyBaseLogger,
    genReqId: () => randomUUID(),
    // Paths such as /2020-11-20/tags/arn%3Aaws%3A… are matched raw; the operation decodes its labels.
    // Router options, constraints included, belong under routerOptions (at the top level they are deprecated: FSTDEP022).
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 2048, constraints: { amzTarget: amzTargetConstraint as RouteConstraint, formPost: formPostConstraint as RouteConstraint } },
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-amzn-requestid', request.id);
    reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
  });

  // Once close() has begun, a request still in flight gets its answer and then its connection is
  // closed, so that shutdown does not wait out a keep-alive client (up to keepAliveTimeout).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async () => {
    if (closing) app.server.closeIdleConnections();
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  // Every route below is authenticated here, as its config.auth declares (SigV4 service, payload signing).
  app.decorateRequest('authenticated', null);
  app.addHook('preHandler', authenticationHook(signingSecrets(options.services.accessKeys, options.services.sessionCredentials)));

  await app.register(lookoutVisionApi, { services: options.services });
  await app.register(metricsEndpoint, { services: options.services });
  await app.register(healthEndpoint, { services: options.services });
  await app.register(kmsApi, { services: options.services, accountId: options.accountId });
  await app.register(keyRewrapEndpoint, { services: options.services });
  await app.register(stsApi, { services: options.services });
  // The web console's static files under /_vigil/ ("_" keeps it off every bucket path).
  await app.register(consoleAssets);
  // Everything else is the S3 API, which streams bodies: its own context replaces the buffering parser.
  await app.register(s3Api, { services: options.services, accountId: options.accountId });

  return app;
}
