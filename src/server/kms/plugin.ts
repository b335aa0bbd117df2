import type { FastifyInstance, FastifyReply } from 'fastify';
import { KmsError } from '../../crypto/kmsErrors.js';
import { AuthError } from '../auth/signedRequest.js';
import type { Services } from '../services.js';
import { KMS_OPERATIONS } from './operations.js';

const CONTENT_TYPE = 'application/x-amz-json-1.1';
const STATUS: Record<string, number> = { NotFoundException: 400, KMSInternalException: 500 };
const AUTH_TYPES: Record<AuthError['failure'], string> = {
  MissingAuthentication: 'MissingAuthenticationTokenException',
  IncompleteSignature: 'IncompleteSignatureException',
  SignatureMismatch: 'InvalidSignatureException',
  SignatureExpired: 'InvalidSignatureException',
  PayloadHashMismatch: 'InvalidSignatureException',
  UnknownAccessKey: 'UnrecognizedClientException',
  ExpiredToken: 'ExpiredTokenException',
};

/**
 * The AWS KMS JSON protocol (awsJson1_1, SigV4 service "kms"): `POST /` with
 * `X-Amz-Target: TrentService.<Operation>`, answered by the embedded KMS. Errors are
 * `{"__type", "message"}` as KMS sends them.
 */
export async function kmsApi(app: FastifyInstance, options: { services: Services; accountId: string }): Promise<void> {
  const { services, accountId } = options;
  app.setErrorHandler((error, _request, reply) => sendKmsError(reply, error));
  app.route({
    method: 'POST',
    url: '/',
    bodyLimit: 64 * 1024,
    constraints: { amzTarget: 'TrentService' },
    config: { auth: { service: 'kms', payload: 'body' } },
    handler: async (request, reply) => {
      const name = String(request.headers['x-amz-target']).slice('TrentService.'.length);
      const operation = Object.hasOwn(KMS_OPERATIONS, name) ? KMS_OPERATIONS[name] : undefined;
      if (!operation) return send(reply, 400, 'UnsupportedOperationException', `Vigil's KMS does not support ${name}.`);
      if (services.externalKmsEndpoint !== undefined) {
        return send(reply, 400, 'UnsupportedOperationException', `This Vigil's keys are managed by the external KMS at ${services.externalKmsEndpoint}; send ${name} there.`);
      }
      const result = await operation(services.keys, kmsRequestBody(request.body), accountId);
      reply.header('content-type', CONTENT_TYPE);
      return JSON.stringify(result);
    },
  });
}

/** A KMS-protocol request body (also Vigil's own key endpoints): a JSON object, an empty body being `{}`. */
export function kmsRequestBody(raw: unknown): Record<string, unknown> {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : '';
  let body: unknown;
  try {
    body = text.length ? JSON.parse(text) : {};
  } catch {
    throw new KmsError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new KmsError('SerializationException', 'The request body is not a JSON object.');
  return body as Record<string, unknown>;
}

/** Answers an error in the KMS JSON shape (also used by Vigil's own key endpoints). */
export function sendKmsError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof AuthError) {
    return send(reply, error.failure === 'IncompleteSignature' ? 400 : 403, AUTH_TYPES[error.failure], error.message);
  }
  if (error instanceof KmsError) return send(reply, STATUS[error.name] ?? 400, error.name, error.message);
  const status = (error as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return send(reply, status, 'ValidationException', (error as Error).message);
  reply.log.error({ err: error }, 'KMS request failed');
  return send(reply, 500, 'KMSInternalException', 'An internal error occurred.');
}

function send(reply: FastifyReply, status: number, type: string, message: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', CONTENT_TYPE)
    .send(JSON.stringify({ __type: type, message }));
}
