import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AuthError, type Authenticated, type PayloadSigning, type SecretLookup, type SigningService } from './signedRequest.js';
import { verifySigV4 } from './sigv4.js';

/** How a route is authenticated: declared once per route, in its `config.auth`. */
export interface RouteAuth {
  /** The SigV4 service its credential scope must name. */
  service: SigningService;
  /** 'body' (JSON protocols: the signature covers the buffered body) or 'stream' (S3). */
  payload: PayloadSigning;
  /** HTTP Basic with an access key id and secret is accepted too (Prometheus scrapers, over TLS). */
  basic?: boolean;
  /** Presigned URLs (SigV4 query-string authentication, UNSIGNED-PAYLOAD) are accepted too: S3 only. */
  presigned?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How the route is authenticated; 'public' only for the console's static files (server/console), which hold no data. */
    auth?: RouteAuth | 'public';
  }
  interface FastifyRequest {
    /** Who signed the request; set by the authentication hook before any handler runs. */
    authenticated: Authenticated | null;
  }
}

/** Requests that match no route are answered as the Lookout for Vision API would: after authentication. */
const NOT_FOUND_AUTH: RouteAuth = { service: 'lookoutvision', payload: 'body' };

/**
 * The one authentication step of every route: a preHandler hook (after the body is read, before
 * the handler) that checks the route's declared RouteAuth. A route that declares none is refused,
 * so a new route cannot be left open by forgetting it. Failures are AuthErrors, which each
 * protocol's error handler answers in its own shape.
 */
export function authenticationHook(secretFor: SecretLookup): preHandlerAsyncHookHandler {
  return async function authenticate(request: FastifyRequest) {
    const auth = request.routeOptions.config.auth ?? (request.is404 ? NOT_FOUND_AUTH : undefined);
    if (!auth) throw new Error(`the route ${request.method} ${request.routeOptions.url} declares no authentication`);
    if (auth === 'public') return;
    if (auth.basic && /^Basic /.test(request.headers.authorization ?? '')) {
      await checkBasic(request.headers.authorization!, secretFor);
      return;
    }
    request.authenticated = await verifySigV4(
      {
        method: request.method,
        rawUrl: request.raw.url ?? '/',
        headers: request.raw.headersDistinct,
        body: Buffer.isBuffer(request.body) ? request.body : undefined,
      },
      { service: auth.service, payload: auth.payload, presigned: auth.presigned, secretFor },
    );
  };
}

/** `Basic base64(accessKeyId:secretAccessKey)`, compared in constant time. */
async function checkBasic(header: string, secretFor: SecretLookup): Promise<void> {
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
  if (!basic) throw new AuthError('IncompleteSignature', 'The Basic authorization header is not valid base64.');
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const secret = colon < 0 ? undefined : await secretFor(decoded.slice(0, colon));
  const given = Buffer.from(colon < 0 ? '' : decoded.slice(colon + 1));
  if (secret === undefined || given.length !== Buffer.byteLength(secret) || !timingSafeEqual(given, Buffer.from(secret))) {
    throw new AuthError('UnknownAccessKey', 'The access key id or secret is not valid.');
  }
}
