import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteAuth } from '../auth/authenticate.js';
import { type Authenticated, QUERY_AUTH_PARAMETERS } from '../auth/signedRequest.js';
import type { Services } from '../services.js';
import type { S3Call } from './call.js';
import { chooseRoute } from './dispatch.js';
import { S3ProtocolError, sendS3Error } from './errors.js';
import { type IncomingPayload, openPayload, type PayloadOptions, readPayload } from './payload.js';
import { parseQuery, s3Address } from './routing.js';

/** XML and JSON documents of the bucket operations are small; object bodies stream instead. */
const SMALL_BODY_LIMIT = 1024 * 1024;
const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'PATCH'] as const;
/** Signed for "s3"; the body streams, so UNSIGNED-PAYLOAD, aws-chunked and presigned URLs are allowed here and only here. */
const AUTH: RouteAuth = { service: 's3', payload: 'stream', presigned: true };

export interface S3ApiOptions {
  services: Services;
  /** The installation's account id: the owner of every bucket (x-amz-expected-bucket-owner). */
  accountId: string;
  /** Domains under which <bucket>.<domain> is a virtual-host-style address. */
  virtualHostDomains?: readonly string[];
}

/**
 * The S3 API subset (REST/XML, SigV4 service "s3") on every path the other APIs do not own.
 * Bodies are not buffered here: this context's '*' parser leaves the request stream unread, and
 * each operation opens it as a checked stream (./payload.ts) or reads a small document.
 */
export async function s3Api(app: FastifyInstance, options: S3ApiOptions): Promise<void> {
  const { services } = options;
  const virtualHostDomains = options.virtualHostDomains ?? ['localhost'];

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  app.setErrorHandler((error, request, reply) => sendS3Error(request, reply, error));
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-amz-request-id', request.id);
    reply.header('x-amz-id-2', randomBytes(24).toString('base64'));
    // S3's own answers to what the signature check would otherwise report less precisely; before authentication.
    const query = parseQuery(request.raw.url ?? '/');
    if (request.headers.authorization !== undefined && QUERY_AUTH_PARAMETERS.some((name) => query.has(name))) {
      throw new S3ProtocolError(
        'InvalidArgument',
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      );
    }
    if (request.headers.authorization !== undefined && request.headers['x-amz-content-sha256'] === undefined) {
      throw new S3ProtocolError('MissingSecurityHeader', 'Your request is missing a required header: x-amz-content-sha256.', {
        MissingHeaderName: 'x-amz-content-sha256',
      });
    }
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const query = parseQuery(request.raw.url ?? '/');
    const auth = request.authenticated!;
    const address = s3Address(request.headers.host, request.raw.url ?? '/', virtualHostDomains);
    // Every bucket is the installation's; naming another owner is refused as S3 refuses it.
    for (const name of ['x-amz-expected-bucket-owner', 'x-amz-source-expected-bucket-owner']) {
      const expected = request.headers[name];
      if (expected !== undefined && expected !== options.accountId) throw new S3ProtocolError('AccessDenied', 'Access Denied');
    }
    const route = chooseRoute(request.method, address.bucket, address.key, query, request.headers['x-amz-copy-source'] !== undefined);
    if (route.level === 'unsupported') throw new S3ProtocolError('NotImplemented', `A header or query you provided implies functionality that is not implemented (${route.name}).`);
    const call = makeCall(request, reply, services, auth, address.bucket, address.key, query);
    if (route.level === 'service') return route.handler(call);
    if (route.level === 'bucket') return route.handler({ ...call, bucket: address.bucket! });
    return route.handler({ ...call, bucket: address.bucket!, key: address.key! });
  };
  for (const url of ['/', '/*']) app.route({ method: [...METHODS], url, exposeHeadRoute: false, config: { auth: AUTH }, handler });
}

function makeCall(request: FastifyRequest, reply: FastifyReply, services: Services, auth: Authenticated, bucket: string | undefined, key: string | undefined, query: Map<string, string>): S3Call {
  let opened: IncomingPayload | undefined;
  const payload = (maxBytes: number, options?: PayloadOptions) => {
    if (opened) throw new Error('the request body was opened twice');
    opened = openPayload(request.raw, auth, maxBytes, options);
    return opened;
  };
  return {
    request,
    reply,
    services,
    auth,
    bucket,
    key,
    query,
    header(name) {
      const value = request.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(',') : value;
    },
    payload,
    smallBody: (limit = SMALL_BODY_LIMIT, options) => readPayload(payload(limit, options), limit),
  };
}
